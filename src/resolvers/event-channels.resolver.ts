import { Arg, Authorized, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { listEventChannels, setEventChannels } from '../services/event-channels.js';
import { Channel } from './common.types.js';

@ObjectType()
export class EventChannelSetting {
  @Field(() => String) eventType!: string;
  @Field(() => [Channel]) channels!: Channel[];
  @Field(() => Boolean) enabled!: boolean;
}

@Authorized()
@Resolver()
export class EventChannelsResolver {
  @Query(() => [EventChannelSetting])
  eventChannels(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, listEventChannels);
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => EventChannelSetting)
  setEventChannels(
    @Arg('eventType', () => String) eventType: string,
    @Arg('channels', () => [Channel]) channels: Channel[],
    @Ctx() ctx: GqlContext,
    @Arg('enabled', () => Boolean, { nullable: true }) enabled?: boolean | null,
  ) {
    return inTenant(ctx, (s) => setEventChannels(s, eventType, channels, enabled));
  }
}
