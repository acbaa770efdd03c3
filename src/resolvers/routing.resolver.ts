import { Arg, Authorized, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { deleteRule, listRules, upsertRule } from '../services/routing.service.js';
import { Channel, Node } from './common.types.js';

@ObjectType({ implements: Node, description: 'Which staff receive a staff event, and on which channels.' })
export class RoutingRule implements Node {
  @Field(() => ID, { description: 'The rule id.' }) id!: string;
  @Field(() => String, { description: 'A label, e.g. "Lab results to the lab".' }) name!: string;
  @Field(() => String, { description: 'Event type or prefix pattern, e.g. "billing.*"' }) eventPattern!: string;
  @Field(() => ID, { nullable: true, description: 'Null = any centre' }) centreId!: string | null;
  @Field(() => [String], { description: 'Staff of these departments receive it.' }) departments!: string[];
  @Field(() => [ID], { description: 'These staff members receive it too.' }) staffIds!: string[];
  @Field(() => [Channel], { description: 'The channels it goes on.' }) channels!: Channel[];
  @Field(() => Boolean, { description: 'Inactive rules are kept but never match.' }) active!: boolean;
  @Field(() => Int, { description: 'Higher first, when several rules match.' }) priority!: number;
}

@InputType({ description: 'A routing rule to create (no id) or replace (its id).' })
export class RoutingRuleInput {
  @Field(() => ID, { nullable: true, description: 'Omitted = create' }) id?: string | null;
  @Field(() => String, { description: 'A label, 1 to 200 characters.' }) name!: string;
  @Field(() => String, { description: 'An event type or "prefix.*", e.g. "lab.*".' }) eventPattern!: string;
  @Field(() => ID, { nullable: true, description: 'Only events of this centre; omitted = any centre.' }) centreId?:
    | string
    | null;
  @Field(() => [String], { nullable: true, description: 'Department names; with staffIds, at least one recipient.' })
  departments?: string[] | null;
  @Field(() => [ID], {
    nullable: true,
    description: "Staff member ids of the tenant (another tenant's: BAD_USER_INPUT).",
  })
  staffIds?: string[] | null;
  @Field(() => [Channel], { description: 'At least one channel.' }) channels!: Channel[];
  @Field(() => Boolean, { nullable: true, description: 'Default true.' }) active?: boolean | null;
  @Field(() => Int, { nullable: true, description: 'Default 0; higher first.' }) priority?: number | null;
}

@Authorized()
@Resolver()
export class RoutingResolver {
  @Query(() => [RoutingRule], {
    description: "The tenant's routing rules, highest priority first. Any role of the tenant.",
  })
  routingRules(
    @Ctx() ctx: GqlContext,
    @Arg('eventType', () => String, {
      nullable: true,
      description: 'Only the rules whose pattern matches this event type; omitted = all.',
    })
    eventType?: string | null,
  ) {
    return inTenant(ctx, (s) => listRules(s, eventType));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => RoutingRule, {
    description: 'Creates a rule, or replaces the one with input.id; audited. TENANT_ADMIN only.',
  })
  upsertRoutingRule(
    @Arg('input', () => RoutingRuleInput, { description: 'The rule.' }) input: RoutingRuleInput,
    @Ctx() ctx: GqlContext,
  ) {
    return inTenant(ctx, (s) => upsertRule(s, input));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => Boolean, { description: 'Deletes a rule; audited. TENANT_ADMIN only.' })
  deleteRoutingRule(@Arg('id', () => ID, { description: 'The rule.' }) id: string, @Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => deleteRule(s, id));
  }
}
