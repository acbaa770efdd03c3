import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { inTenant, requireAuth, tenantContext, type GqlContext } from '../graphql/context.js';
import { DecimalScalar } from '../graphql/scalars.js';
import type { DeliveryStatusPayload } from '../events/bus.js';
import { getDelivery, listDeliveries, retryDelivery, type DeliveryRow } from '../services/deliveries.js';
import { resendDeliveries } from '../services/resend.js';
import { pageArgs } from '../services/pagination.js';
import { Channel, DeliveryStatus, Language, Node, PageInfo, pageLimits } from './common.types.js';

@ObjectType()
export class DeliveryStatusChange {
  @Field(() => DeliveryStatus) status!: DeliveryStatus;
  @Field(() => Date) at!: Date;
  @Field(() => String, { nullable: true }) reason!: string | null;
}

@ObjectType({ implements: Node })
export class Delivery implements Node {
  @Field(() => ID) id!: string;
  @Field(() => String) eventId!: string;
  @Field(() => String) eventType!: string;
  @Field(() => Channel) channel!: Channel;
  @Field(() => String, { description: 'Phone, email or push token, as sent' }) recipient!: string;
  @Field(() => String, { description: '"patient" or "staff"' }) recipientKind!: string;
  @Field(() => Language) language!: Language;
  @Field(() => DeliveryStatus) status!: DeliveryStatus;
  @Field(() => String, { nullable: true, description: 'For FAILED and SKIPPED, e.g. INSUFFICIENT_CREDIT' }) reason!: string | null;
  @Field(() => String, { nullable: true }) providerMessageId!: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'WhatsApp only' }) cost!: string | null;
  @Field(() => String) renderedBody!: string;
  @Field(() => [DeliveryStatusChange]) history!: DeliveryStatusChange[];
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
  @Field(() => String, { nullable: true, description: "The partner's patient id, for patient deliveries" }) patientId!: string | null;
  @Field(() => ID, { nullable: true, description: 'The delivery on another channel that this one replaces' }) fallbackOf!: string | null;
  @Field(() => Date, { nullable: true, description: 'Held by quiet hours until then' }) deferredUntil!: Date | null;
  @Field(() => Int, { description: 'Provider calls made so far' }) attempts!: number;
}

@ObjectType()
export class DeliveryEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Delivery) node!: Delivery;
}

@ObjectType()
export class DeliveryConnection {
  @Field(() => [DeliveryEdge]) edges!: DeliveryEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@InputType()
export class DeliveryFilter {
  @Field(() => String, { nullable: true }) eventId?: string | null;
  @Field(() => String, { nullable: true }) eventType?: string | null;
  @Field(() => Channel, { nullable: true }) channel?: Channel | null;
  @Field(() => DeliveryStatus, { nullable: true }) status?: DeliveryStatus | null;
  @Field(() => String, { nullable: true }) recipient?: string | null;
  @Field(() => Date, { nullable: true }) since?: Date | null;
  @Field(() => Date, { nullable: true }) until?: Date | null;
  @Field(() => String, { nullable: true, description: 'Exact reason, e.g. INSUFFICIENT_CREDIT' }) reason?: string | null;
  @Field(() => String, { nullable: true, description: "Exact partner's patient id" }) patientId?: string | null;
  @Field(() => String, { nullable: true, description: 'Matches the recipient (case-insensitive substring), or exactly the event id, patient id or booking reference' }) search?: string | null;
}

@ObjectType({ description: 'What a resend did.' })
class ResendResult {
  @Field(() => Int, { description: 'Deliveries requeued: they go through the gates again and are sent.' }) requeued!: number;
  @Field(() => Int, { description: 'Deliveries asked for but left as they were (not SKIPPED or FAILED, nothing rendered, a fallback on its way, or not yours).' }) unchanged!: number;
}

@ArgsType()
class DeliveryStatusArgs {
  @Field(() => String, { nullable: true }) eventType?: string | null;
  @Field(() => Channel, { nullable: true }) channel?: Channel | null;
  @Field(() => DeliveryStatus, { nullable: true }) status?: DeliveryStatus | null;
}

@Authorized()
@Resolver(() => Delivery)
export class DeliveriesResolver {
  @Query(() => DeliveryConnection)
  async deliveries(
    @Ctx() ctx: GqlContext,
    @Arg('filter', () => DeliveryFilter, { nullable: true }) filter?: DeliveryFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    const page = await inTenant(ctx, (s) => listDeliveries(s, filter ?? {}, pageArgs(first, after, pageLimits(ctx.app.config))));
    return { edges: page.items, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor }, totalCount: page.totalCount };
  }

  @Query(() => Delivery, { nullable: true })
  async delivery(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext) {
    return (await inTenant(ctx, (s) => getDelivery(s, id))) ?? null;
  }

  @FieldResolver(() => [DeliveryStatusChange])
  history(@Root() delivery: DeliveryRow, @Ctx() ctx: GqlContext) {
    return ctx.loaders.deliveryHistory.load(delivery.id);
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => ResendResult, { description: 'Requeues SKIPPED and FAILED deliveries of your tenant (by ids, or every match of a filter, at most 5000) whose cause may be fixed; the consent, quiet-hours and credit gates run again, and WhatsApp is charged once. Other ids are left unchanged and reveal nothing.' })
  resendDeliveries(
    @Ctx() ctx: GqlContext,
    @Arg('ids', () => [ID], { nullable: true }) ids?: string[] | null,
    @Arg('filter', () => DeliveryFilter, { nullable: true }) filter?: DeliveryFilter | null,
  ) {
    return inTenant(ctx, (s) => resendDeliveries(s, { ids, filter }, ctx.app.bus));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => Delivery)
  retryDelivery(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => retryDelivery(s, id, ctx.app.bus));
  }

  @Subscription(() => Delivery, {
    topics: 'delivery.status',
    topicId: ({ context }: { context: GqlContext }) => tenantContext(context).tenantId,
    filter: ({ payload, args }: { payload: DeliveryStatusPayload; args: DeliveryStatusArgs }) =>
      (!args.eventType || args.eventType === payload.eventType) &&
      (!args.channel || args.channel === payload.channel) &&
      (!args.status || args.status === payload.status),
  })
  async deliveryStatusChanged(@Root() payload: DeliveryStatusPayload, @Args(() => DeliveryStatusArgs) _args: DeliveryStatusArgs, @Ctx() ctx: GqlContext) {
    requireAuth(ctx);
    // The change carries the delivery: a thousand subscribers cost no database read (history is loaded only if asked).
    if (payload.delivery && payload.delivery.tenantId === tenantContext(ctx).tenantId) return payload.delivery;
    return inTenant(ctx, (s) => getDelivery(s, payload.deliveryId));
  }
}
