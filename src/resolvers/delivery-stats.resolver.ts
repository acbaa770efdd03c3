import { Arg, Authorized, Ctx, Field, FieldResolver, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { DecimalScalar } from '../graphql/scalars.js';
import type { DeliveryRow } from '../services/deliveries.service.js';
import { deliveryStats } from '../services/delivery-stats.service.js';
import { Delivery, DeliveryFilter } from './deliveries.resolver.js';

@ObjectType({ description: 'How many deliveries have one value (a status, a channel or a reason group).' })
export class DeliveryCount {
  @Field(() => String, {
    description:
      'The value counted: a DeliveryStatus, a Channel, or a reason group such as INSUFFICIENT_CREDIT or MISSING_VARIABLE.',
  })
  key!: string;
  @Field(() => Int, { description: 'Number of matching deliveries with that value.' }) count!: number;
}

@ObjectType({
  description: 'Counts and cost over every delivery a filter matches, computed in the database (not just one page).',
})
export class DeliveryStats {
  @Field(() => Int, { description: 'Number of matching deliveries.' }) total!: number;
  @Field(() => [DeliveryCount], { description: 'One entry per DeliveryStatus, in the enum order, zeros included.' })
  byStatus!: DeliveryCount[];
  @Field(() => [DeliveryCount], { description: 'One entry per Channel, in the enum order, zeros included.' })
  byChannel!: DeliveryCount[];
  @Field(() => [DeliveryCount], {
    description:
      'SKIPPED and FAILED deliveries by reason group, largest first. A group is the reason up to its first ":" or " (": "MISSING_VARIABLE: patient.name" counts as MISSING_VARIABLE, OPTED_OUT as OPTED_OUT. DeliveryFilter.reason accepts a group as it is.',
  })
  byReason!: DeliveryCount[];
  @Field(() => DecimalScalar, {
    description:
      'What the matching WhatsApp deliveries cost, net of refunds, in the tenant\'s currency: the credit ledger\'s debits less its refunds for them. Example: "701".',
  })
  whatsAppCost!: string;
}

/** Operators' views of deliveries: the counts behind the dashboard's tiles, and a row's booking reference. */
@Authorized()
@Resolver(() => Delivery)
export class DeliveryStatsResolver {
  @Query(() => DeliveryStats, {
    description:
      'Counts by status, channel and reason, and the WhatsApp cost, over every delivery of your tenant the filter matches (give since/until for a window). Any role of the tenant, like `deliveries`.',
  })
  deliveryStats(
    @Ctx() ctx: GqlContext,
    @Arg('filter', () => DeliveryFilter, {
      nullable: true,
      description: 'Which deliveries to count; omitted: all of them.',
    })
    filter?: DeliveryFilter | null,
  ) {
    return inTenant(ctx, (s) => deliveryStats(s, filter ?? {}));
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'The booking reference of the delivery\'s event (appointment events), e.g. "BK-2026-0042"; null otherwise. Batched: one statement per page.',
  })
  bookingReference(@Root() delivery: DeliveryRow, @Ctx() ctx: GqlContext) {
    return ctx.loaders.bookingReference.load(delivery.eventId);
  }
}
