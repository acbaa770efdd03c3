import { Arg, Authorized, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { deleteFallback, listFallbacks, upsertFallback, type FallbackRow } from '../services/fallbacks.service.js';
import { Channel, Node } from './common.types.js';

@ObjectType({
  implements: Node,
  description:
    'When a patient message on `from` is skipped, fails for good, or is not delivered in time, the same message goes once to the same patient on `to` instead.',
})
export class ChannelFallback implements Node {
  @Field(() => ID, { description: 'The rule id' }) id!: string;
  @Field(() => String, {
    description:
      'Event type or prefix pattern, e.g. "appointment.*"; "*" = every patient event. The most specific rule applies.',
  })
  eventPattern!: string;
  @Field(() => Channel, { description: 'The channel that could not reach the patient' }) from!: Channel;
  @Field(() => Channel, { description: 'The channel the same message goes on instead' }) to!: Channel;
  @Field(() => Int, {
    nullable: true,
    description:
      'Also fall back when `from` is not DELIVERED this many seconds after it was sent; null = only on a skip or a permanent failure',
  })
  undeliveredAfterSeconds!: number | null;
  @Field(() => Boolean, { description: 'Inactive rules are kept but never fire' }) active!: boolean;
}

@InputType({ description: 'A channel fallback rule to create (no id) or replace (its id)' })
export class ChannelFallbackInput {
  @Field(() => ID, { nullable: true, description: 'Omitted = create' }) id?: string | null;
  @Field(() => String, { description: 'A known patient event type, "prefix.*", or "*"' }) eventPattern!: string;
  @Field(() => Channel, {
    description: 'The channel that could not reach the patient; one rule per pattern and channel',
  })
  from!: Channel;
  @Field(() => Channel, { description: 'The channel to send on instead; must differ from `from`' }) to!: Channel;
  @Field(() => Int, {
    nullable: true,
    description: '60 to 604800 seconds, or null (not allowed from PUSH: push has no delivery receipts)',
  })
  undeliveredAfterSeconds?: number | null;
  @Field(() => Boolean, { nullable: true, description: 'Default true' }) active?: boolean | null;
}

const toGql = (r: FallbackRow): ChannelFallback => ({
  id: r.id,
  eventPattern: r.eventPattern,
  from: r.fromChannel as Channel,
  to: r.toChannel as Channel,
  undeliveredAfterSeconds: r.undeliveredAfterSeconds,
  active: r.active,
});

@Authorized()
@Resolver()
export class FallbacksResolver {
  // Read like routingRules: any role of the tenant may see its configuration.
  @Query(() => [ChannelFallback], { description: "The tenant's channel fallback rules, oldest first" })
  async channelFallbacks(@Ctx() ctx: GqlContext): Promise<ChannelFallback[]> {
    return (await inTenant(ctx, (s) => listFallbacks(s))).map(toGql);
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => ChannelFallback, { description: 'Creates a rule, or replaces the one with input.id; audited' })
  async upsertChannelFallback(
    @Arg('input', () => ChannelFallbackInput, { description: 'The rule.' }) input: ChannelFallbackInput,
    @Ctx() ctx: GqlContext,
  ): Promise<ChannelFallback> {
    return toGql(await inTenant(ctx, (s) => upsertFallback(s, input)));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => Boolean, { description: 'Deletes a rule; audited' })
  deleteChannelFallback(
    @Arg('id', () => ID, { description: 'The rule.' }) id: string,
    @Ctx() ctx: GqlContext,
  ): Promise<boolean> {
    return inTenant(ctx, (s) => deleteFallback(s, id));
  }
}
