import { Arg, Authorized, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { deleteRule, listRules, upsertRule } from '../services/routing.js';
import { Channel, Node } from './common.types.js';

@ObjectType({ implements: Node })
export class RoutingRule implements Node {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'Event type or prefix pattern, e.g. "billing.*"' }) eventPattern!: string;
  @Field(() => ID, { nullable: true, description: 'Null = any centre' }) centreId!: string | null;
  @Field(() => [String]) departments!: string[];
  @Field(() => [ID]) staffIds!: string[];
  @Field(() => [Channel]) channels!: Channel[];
  @Field(() => Boolean) active!: boolean;
  @Field(() => Int) priority!: number;
}

@InputType()
export class RoutingRuleInput {
  @Field(() => ID, { nullable: true, description: 'Omitted = create' }) id?: string | null;
  @Field(() => String) name!: string;
  @Field(() => String) eventPattern!: string;
  @Field(() => ID, { nullable: true }) centreId?: string | null;
  @Field(() => [String], { nullable: true }) departments?: string[] | null;
  @Field(() => [ID], { nullable: true }) staffIds?: string[] | null;
  @Field(() => [Channel]) channels!: Channel[];
  @Field(() => Boolean, { nullable: true }) active?: boolean | null;
  @Field(() => Int, { nullable: true }) priority?: number | null;
}

@Authorized()
@Resolver()
export class RoutingResolver {
  @Query(() => [RoutingRule])
  routingRules(@Ctx() ctx: GqlContext, @Arg('eventType', () => String, { nullable: true }) eventType?: string | null) {
    return inTenant(ctx, (s) => listRules(s, eventType));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => RoutingRule)
  upsertRoutingRule(@Arg('input', () => RoutingRuleInput) input: RoutingRuleInput, @Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => upsertRule(s, input));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => Boolean)
  deleteRoutingRule(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => deleteRule(s, id));
  }
}
