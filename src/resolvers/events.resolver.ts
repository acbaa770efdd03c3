import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, Field, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { tenantContext, type GqlContext } from '../graphql/context.js';
import { eventSchema, EVENT_TYPES } from '../events/catalogue.js';
import { Channel } from './common.types.js';
import { ingestEvent } from '../ingest.js';

@ObjectType()
export class PublishEventResult {
  @Field(() => String) eventId!: string;
  @Field(() => Boolean) accepted!: boolean;
  @Field(() => Boolean) duplicate!: boolean;
}

@ObjectType('EventTypeInfo', { description: 'An event type of the catalogue: who it is for, what a patient may mute, where it goes by default' })
export class EventTypeInfoType {
  @Field(() => String, { description: 'e.g. appointment.confirmed' }) type!: string;
  @Field(() => String, { description: '"patient", "staff" or "admin"' }) audience!: string;
  @Field(() => String, { description: 'What a patient may mute with one choice, e.g. "appointments", "clinical", "queue"' }) category!: string;
  @Field(() => Boolean, { description: 'Goes out in quiet hours; no category choice mutes it (a channel opt-out still does)' }) critical!: boolean;
  @Field(() => [Channel], { description: "The channels it goes on unless the tenant's eventChannels say otherwise" }) defaultChannels!: Channel[];
  @Field(() => String, { description: 'What happened' }) description!: string;
}

@InputType()
export class EventInput {
  @Field(() => String, { description: "The producer's unique event id" }) id!: string;
  @Field(() => String) type!: string;
  @Field(() => Date) occurredAt!: Date;
  @Field(() => GraphQLJSON) data!: unknown;
}

@Authorized()
@Resolver()
export class EventsResolver {
  @Query(() => [String], { description: 'Every event type Kabar knows, partner-produced and its own' })
  eventTypes() {
    return EVENT_TYPES.map((e) => e.type);
  }

  @Query(() => [EventTypeInfoType], { description: 'Every event type with its audience, category, critical flag and default channels' })
  eventCatalogue() {
    return EVENT_TYPES;
  }

  @Query(() => GraphQLJSON, { nullable: true, description: "JSON Schema of the event's data" })
  eventSchema(@Arg('type', () => String) type: string) {
    return eventSchema(type) ?? null;
  }

  @Authorized('SERVICE', 'TENANT_ADMIN')
  @Mutation(() => PublishEventResult)
  async publishEvent(@Arg('input', () => EventInput) input: EventInput, @Ctx() ctx: GqlContext) {
    const { duplicate } = await ingestEvent(tenantContext(ctx), ctx.app.sink, input);
    return { eventId: input.id, accepted: true, duplicate };
  }
}
