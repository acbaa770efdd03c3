import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inPlatform, tenantContext, type GqlContext } from '../graphql/context.js';
import { NotFoundError } from '../domain-errors.js';
import { findTenant } from '../services/tenants.service.js';
import { eventSchema, EVENT_TYPES } from '../events/catalogue.js';
import { Channel } from './common.types.js';
import { ingestEvent } from '../ingest.js';
import { validateEvent } from '../events/envelope.js';

@ObjectType({ description: 'What Kabar did with a published event.' })
export class PublishEventResult {
  @Field(() => String, { description: "The event's id, as given." }) eventId!: string;
  @Field(() => Boolean, { description: 'True: it is durably recorded and will be delivered.' }) accepted!: boolean;
  @Field(() => Boolean, { description: 'True: an event with this id was already accepted; nothing new is sent.' })
  duplicate!: boolean;
}

@ObjectType('EventTypeInfo', {
  description: 'An event type of the catalogue: who it is for, what a patient may mute, where it goes by default',
})
export class EventTypeInfoType {
  @Field(() => String, { description: 'e.g. appointment.confirmed' }) type!: string;
  @Field(() => String, { description: '"patient", "staff" or "admin"' }) audience!: string;
  @Field(() => String, {
    description: 'What a patient may mute with one choice, e.g. "appointments", "clinical", "queue"',
  })
  category!: string;
  @Field(() => Boolean, {
    description: 'Goes out in quiet hours; no category choice mutes it (a channel opt-out still does)',
  })
  critical!: boolean;
  @Field(() => [Channel], { description: "The channels it goes on unless the tenant's eventChannels say otherwise" })
  defaultChannels!: Channel[];
  @Field(() => String, { description: 'What happened' }) description!: string;
}

@InputType({ description: 'A partner event, as on Kafka or POST /events (see eventSchema for its data).' })
export class EventInput {
  @Field(() => String, { description: "The producer's unique event id" }) id!: string;
  @Field(() => String, { description: 'A known event type, e.g. "appointment.confirmed" (see eventTypes).' })
  type!: string;
  @Field(() => Date, { description: 'When it happened at the partner (ISO 8601 with offset).' }) occurredAt!: Date;
  @Field(() => GraphQLJSON, {
    description: "The event's data, validated against eventSchema(type); every invalid field is reported.",
  })
  data!: unknown;
  @Field(() => ID, {
    nullable: true,
    description:
      "The envelope's tenant, as on POST /events: omitted = the token's; another tenant is FORBIDDEN unless the caller is a PLATFORM_ADMIN",
  })
  tenantId?: string | null;
}

@Authorized()
@Resolver()
export class EventsResolver {
  @Query(() => [String], { description: 'Every event type Kabar knows, partner-produced and its own' })
  eventTypes() {
    return EVENT_TYPES.map((e) => e.type);
  }

  @Query(() => [EventTypeInfoType], {
    description: 'Every event type with its audience, category, critical flag and default channels',
  })
  eventCatalogue() {
    return EVENT_TYPES;
  }

  @Query(() => GraphQLJSON, { nullable: true, description: "JSON Schema of the event's data" })
  eventSchema(@Arg('type', () => String, { description: 'An event type, e.g. "report.ready".' }) type: string) {
    return eventSchema(type) ?? null;
  }

  @Authorized('SERVICE', 'TENANT_ADMIN')
  @Mutation(() => PublishEventResult, {
    description:
      "Publishes a partner event for the caller's tenant; a repeated id is a duplicate, not sent twice. SERVICE or TENANT_ADMIN.",
  })
  async publishEvent(
    @Arg('input', () => EventInput, { description: 'The event.' }) input: EventInput,
    @Ctx() ctx: GqlContext,
  ) {
    const { tenantId, ...fields } = input;
    const scope = tenantContext(ctx, tenantId);
    // A tenant named by a platform admin is not checked by the token: it must exist.
    if (scope.tenantId !== ctx.auth?.tenantId && !(await inPlatform(ctx, (s) => findTenant(s, scope.tenantId))))
      throw new NotFoundError('Tenant', scope.tenantId);
    const { duplicate } = await ingestEvent(scope, ctx.app.sink, validateEvent(fields));
    return { eventId: input.id, accepted: true, duplicate };
  }
}
