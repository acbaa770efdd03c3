import { Arg, Authorized, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { listEventChannels, setEventChannels } from '../services/event-channels.service.js';
import { Channel } from './common.types.js';

@ObjectType({ description: "The channels one event type goes on for the tenant, instead of the catalogue's defaults." })
export class EventChannelSetting {
  @Field(() => String, { description: 'e.g. "report.ready".' }) eventType!: string;
  @Field(() => [Channel], { description: 'The channels it goes on.' }) channels!: Channel[];
  @Field(() => Boolean, { description: 'False = the event type sends nothing for the tenant.' }) enabled!: boolean;
}

@Authorized()
@Resolver()
export class EventChannelsResolver {
  @Query(() => [EventChannelSetting], {
    description:
      "The tenant's channel settings per event type (types without one use the catalogue's defaultChannels). Any role of the tenant.",
  })
  eventChannels(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, listEventChannels);
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => EventChannelSetting, {
    description: 'Sets the channels of one event type; audited. TENANT_ADMIN only.',
  })
  setEventChannels(
    @Arg('eventType', () => String, { description: 'A known event type, e.g. "report.ready".' }) eventType: string,
    @Arg('channels', () => [Channel], { description: 'The channels it goes on.' }) channels: Channel[],
    @Ctx() ctx: GqlContext,
    @Arg('enabled', () => Boolean, { nullable: true, description: 'Default true; false mutes the event type.' })
    enabled?: boolean | null,
  ) {
    return inTenant(ctx, (s) => setEventChannels(s, eventType, channels, enabled));
  }
}
