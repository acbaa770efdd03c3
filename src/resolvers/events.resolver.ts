import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, Field, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { tenantContext, type GqlContext } from '../graphql/context.js';
import { eventSchema, EVENT_TYPES } from '../events/catalogue.js';
import { ingestEvent } from '../ingest.js';

@ObjectType()
export class PublishEventResult {
  @Field(() => String) eventId!: string;
  @Field(() => Boolean) accepted!: boolean;
  @Field(() => Boolean) duplicate!: boolean;
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
