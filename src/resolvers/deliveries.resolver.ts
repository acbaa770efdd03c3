import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import { inTenant, requireAuth, tenantContext, type GqlContext } from '../graphql/context.js';
import { DecimalScalar } from '../graphql/scalars.js';
import type { DeliveryStatusPayload } from '../events/bus.js';
import { getDelivery, listDeliveries, retryDelivery, type DeliveryRow } from '../services/deliveries.service.js';
import { resendDeliveries } from '../services/resend.usecase.js';
import { pageArgs } from '../services/pagination.service.js';
import { Channel, DeliveryStatus, Language, Node, pageLimits } from './common.types.js';
import { Connection } from './connection.types.js';

@ObjectType({ description: "One step of a delivery's history." })
export class DeliveryStatusChange {
  @Field(() => DeliveryStatus, { description: 'The status it moved to.' }) status!: DeliveryStatus;
  @Field(() => Date, { description: "When (the provider's time for receipts)." }) at!: Date;
  @Field(() => String, {
    nullable: true,
    description: 'Why, for FAILED, SKIPPED and requeues, e.g. "OPTED_OUT", "resent by admin-1".',
  })
  reason!: string | null;
}

@ObjectType({
  implements: Node,
  description:
    'One message to one recipient on one channel, produced by an event. An event yields at most one per recipient and channel.',
})
export class Delivery implements Node {
  @Field(() => ID, { description: 'The delivery id.' }) id!: string;
  @Field(() => String, { description: "The producing event's id (the partner's)." }) eventId!: string;
  @Field(() => String, { description: 'The producing event\'s type, e.g. "appointment.confirmed".' })
  eventType!: string;
  @Field(() => Channel, { description: 'How it is sent.' }) channel!: Channel;
  @Field(() => String, { description: 'Phone, email or push token, as sent' }) recipient!: string;
  @Field(() => String, { description: '"patient" or "staff"' }) recipientKind!: string;
  @Field(() => Language, { description: 'The language it was rendered in.' }) language!: Language;
  @Field(() => DeliveryStatus, { description: 'Where it is now.' }) status!: DeliveryStatus;
  @Field(() => String, { nullable: true, description: 'For FAILED and SKIPPED, e.g. INSUFFICIENT_CREDIT' }) reason!:
    | string
    | null;
  @Field(() => String, { nullable: true, description: "The provider's id for it, once sent (matches their receipts)." })
  providerMessageId!: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'WhatsApp only' }) cost!: string | null;
  @Field(() => String, {
    description: 'The text as rendered for the recipient (Private_Previews may shorten what is sent).',
  })
  renderedBody!: string;
  @Field(() => [DeliveryStatusChange], {
    description: 'Every status it went through, oldest first. Batched: one statement per page.',
  })
  history!: DeliveryStatusChange[];
  @Field(() => Date, { description: 'When it was recorded.' }) createdAt!: Date;
  @Field(() => Date, { description: 'When its status last changed.' }) updatedAt!: Date;
  @Field(() => String, { nullable: true, description: "The partner's patient id, for patient deliveries" }) patientId!:
    | string
    | null;
  @Field(() => ID, { nullable: true, description: 'The delivery on another channel that this one replaces' })
  fallbackOf!: string | null;
  @Field(() => Date, { nullable: true, description: 'Held by quiet hours until then' }) deferredUntil!: Date | null;
  @Field(() => Int, { description: 'Provider calls made so far' }) attempts!: number;
}

@ObjectType({ description: 'A page of deliveries, newest first.' })
export class DeliveryConnection extends Connection(Delivery, {
  one: 'delivery',
  item: 'delivery',
  items: 'deliveries',
}) {
  @Field(() => Int, { description: 'How many deliveries match the filter in all (not just this page).' })
  totalCount!: number;
}

@InputType({ description: 'Which deliveries; every field given must match.' })
export class DeliveryFilter {
  @Field(() => String, { nullable: true, description: "Exact event id (the partner's)." }) eventId?: string | null;
  @Field(() => String, { nullable: true, description: 'Exact event type, e.g. "report.ready".' }) eventType?:
    | string
    | null;
  @Field(() => Channel, { nullable: true, description: 'Only this channel.' }) channel?: Channel | null;
  @Field(() => DeliveryStatus, { nullable: true, description: 'Only this status.' }) status?: DeliveryStatus | null;
  @Field(() => String, { nullable: true, description: 'Exact recipient: E.164 phone, email or push token.' })
  recipient?: string | null;
  @Field(() => Date, {
    nullable: true,
    description: 'Created at or after this instant (ISO 8601 with offset, e.g. "2026-12-03T00:00:00+07:00").',
  })
  since?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Created at or before this instant (ISO 8601 with offset).' })
  until?: Date | null;
  @Field(() => String, { nullable: true, description: 'Exact reason, e.g. INSUFFICIENT_CREDIT' }) reason?:
    | string
    | null;
  @Field(() => String, { nullable: true, description: "Exact partner's patient id" }) patientId?: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'Matches the recipient (case-insensitive substring), or exactly the event id, patient id or booking reference',
  })
  search?: string | null;
}

@ObjectType({ description: 'What a resend did.' })
class ResendResult {
  @Field(() => Int, { description: 'Deliveries requeued: they go through the gates again and are sent.' })
  requeued!: number;
  @Field(() => Int, {
    description:
      'Deliveries asked for but left as they were (not SKIPPED or FAILED, nothing rendered, a fallback on its way, or not yours).',
  })
  unchanged!: number;
}

@ArgsType()
class DeliveryStatusArgs {
  @Field(() => String, {
    nullable: true,
    description: 'Only changes of deliveries of this event type, e.g. "report.ready"; omitted = all.',
  })
  eventType?: string | null;
  @Field(() => Channel, { nullable: true, description: 'Only changes on this channel; omitted = all.' })
  channel?: Channel | null;
  @Field(() => DeliveryStatus, { nullable: true, description: 'Only changes to this status; omitted = all.' })
  status?: DeliveryStatus | null;
}

@Authorized()
@Resolver(() => Delivery)
export class DeliveriesResolver {
  @Query(() => DeliveryConnection, {
    description: 'Deliveries of the tenant, newest first, with the total matching the filter. Any role of the tenant.',
  })
  async deliveries(
    @Ctx() ctx: GqlContext,
    @Arg('filter', () => DeliveryFilter, { nullable: true, description: 'Which deliveries; omitted = all.' })
    filter?: DeliveryFilter | null,
    @Arg('first', () => Int, {
      nullable: true,
      description:
        'Page size: at most KABAR_MAX_PAGE_SIZE (default 100); omitted = KABAR_DEFAULT_PAGE_SIZE (default 20).',
    })
    first?: number | null,
    @Arg('after', () => String, {
      nullable: true,
      description: "The previous page's pageInfo.endCursor; omitted = the first page.",
    })
    after?: string | null,
  ) {
    const page = await inTenant(ctx, (s) =>
      listDeliveries(s, filter ?? {}, pageArgs(first, after, pageLimits(ctx.app.config))),
    );
    return {
      edges: page.items,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      totalCount: page.totalCount,
    };
  }

  @Query(() => Delivery, {
    nullable: true,
    description:
      "One delivery of the tenant; null when unknown (another tenant's ids are unknown). Any role of the tenant.",
  })
  async delivery(@Arg('id', () => ID, { description: 'The delivery id.' }) id: string, @Ctx() ctx: GqlContext) {
    return (await inTenant(ctx, (s) => getDelivery(s, id))) ?? null;
  }

  @FieldResolver(() => [DeliveryStatusChange])
  history(@Root() delivery: DeliveryRow, @Ctx() ctx: GqlContext) {
    return ctx.loaders.deliveryHistory.load(delivery.id);
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => ResendResult, {
    description:
      'Requeues SKIPPED and FAILED deliveries of your tenant (by ids, or every match of a filter, at most 5000) whose cause may be fixed; the consent, quiet-hours and credit gates run again, and WhatsApp is charged once. Other ids are left unchanged and reveal nothing.',
  })
  resendDeliveries(
    @Ctx() ctx: GqlContext,
    @Arg('ids', () => [ID], {
      nullable: true,
      description: 'These deliveries (at most 5000); give ids or filter, not both.',
    })
    ids?: string[] | null,
    @Arg('filter', () => DeliveryFilter, {
      nullable: true,
      description: 'Every delivery this filter matches (at most 5000 requeued per call); give ids or filter, not both.',
    })
    filter?: DeliveryFilter | null,
  ) {
    return inTenant(ctx, (s) => resendDeliveries(s, { ids, filter }, ctx.app.bus));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => Delivery, {
    description:
      'Sends a FAILED delivery again (QUEUED); its WhatsApp charge is reused, not taken twice. Other statuses: INVALID_STATE_TRANSITION. TENANT_ADMIN only.',
  })
  retryDelivery(@Arg('id', () => ID, { description: 'The FAILED delivery.' }) id: string, @Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => retryDelivery(s, id, ctx.app.bus));
  }

  @Subscription(() => Delivery, {
    description:
      "Each change of a delivery of the caller's tenant, as it happens (graphql-ws; the token goes in connectionParams.authorization). Any role of the tenant.",
    topics: 'delivery.status',
    topicId: ({ context }: { context: GqlContext }) => tenantContext(context).tenantId,
    filter: ({ payload, args }: { payload: DeliveryStatusPayload; args: DeliveryStatusArgs }) =>
      (!args.eventType || args.eventType === payload.eventType) &&
      (!args.channel || args.channel === payload.channel) &&
      (!args.status || args.status === payload.status),
  })
  async deliveryStatusChanged(
    @Root() payload: DeliveryStatusPayload,
    @Args(() => DeliveryStatusArgs) _args: DeliveryStatusArgs,
    @Ctx() ctx: GqlContext,
  ) {
    requireAuth(ctx);
    // The change carries the delivery: a thousand subscribers cost no database read (history is loaded only if asked).
    if (payload.delivery && payload.delivery.tenantId === tenantContext(ctx).tenantId) return payload.delivery;
    return inTenant(ctx, (s) => getDelivery(s, payload.deliveryId));
  }
}
