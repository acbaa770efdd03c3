import {
  Arg,
  Authorized,
  Ctx,
  Field,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import {
  inPlatform,
  inTenant,
  isPlatformAdmin,
  requireAuth,
  tenantContext,
  type GqlContext,
} from '../graphql/context.js';
import { DecimalScalar } from '../graphql/scalars.js';
import { withTenant } from '../db/tenant.js';
import type { BalancePayload } from '../events/bus.js';
import {
  listPurchases,
  purchaseTenant,
  requestPurchase,
  transitionPurchase,
  type Transition,
} from '../services/credit-purchases.service.js';
import { getBalance, listTransactions } from '../services/credits.service.js';
import { pageArgs } from '../services/pagination.service.js';
import { CreditPurchaseStatus, CreditTransactionKind, Node, pageLimits } from './common.types.js';
import { Connection } from './connection.types.js';

@ObjectType({ description: "The tenant's prepaid WhatsApp credit." })
export class CreditBalance {
  @Field(() => String, { description: 'ISO 4217, the tenant\'s currency, e.g. "IDR".' }) currency!: string;
  @Field(() => DecimalScalar, { description: 'What is left, e.g. "250000.5"; never negative.' }) balance!: string;
  @Field(() => Date, { description: 'When it last moved.' }) updatedAt!: Date;
}

@ObjectType({
  implements: Node,
  description: 'One movement of the credit ledger (append-only): a purchase, a message charged, a refund.',
})
export class CreditTransaction implements Node {
  @Field(() => ID, { description: 'The movement id.' }) id!: string;
  @Field(() => CreditTransactionKind, { description: 'Why the balance moved.' }) kind!: CreditTransactionKind;
  @Field(() => DecimalScalar, { description: 'Signed: purchases and refunds positive, debits negative' })
  amount!: string;
  @Field(() => DecimalScalar, { description: 'The balance right after this movement.' }) balanceAfter!: string;
  @Field(() => ID, { nullable: true, description: 'The WhatsApp delivery charged or refunded; null for purchases.' })
  deliveryId!: string | null;
  @Field(() => ID, { nullable: true, description: 'The purchase credited; null otherwise.' }) purchaseId!:
    | string
    | null;
  @Field(() => String, { nullable: true, description: 'A short explanation, e.g. "WhatsApp message".' }) note!:
    | string
    | null;
  @Field(() => Date, { description: 'When it happened.' }) createdAt!: Date;
}

@ObjectType({
  implements: Node,
  description:
    'A request to buy WhatsApp credit: PENDING until a platform admin confirms the payment (PAID), fails or cancels it.',
})
export class CreditPurchase implements Node {
  @Field(() => ID, { description: 'The purchase id.' }) id!: string;
  @Field(() => DecimalScalar, { description: 'How much credit, in `currency`, e.g. "250000".' }) amount!: string;
  @Field(() => String, { description: "ISO 4217, the tenant's currency." }) currency!: string;
  @Field(() => CreditPurchaseStatus, { description: 'Where it is.' }) status!: CreditPurchaseStatus;
  @Field(() => String, {
    nullable: true,
    description: 'The payment reference given when it was confirmed, e.g. an invoice number.',
  })
  reference!: string | null;
  @Field(() => String, { nullable: true, description: 'Why it failed, when FAILED.' }) failureReason!: string | null;
  @Field(() => Date, { description: 'When the tenant asked for it.' }) requestedAt!: Date;
  @Field(() => Date, { description: 'When its status last changed.' }) updatedAt!: Date;
  @Field(() => ID, { description: 'The tenant that requested it (useful to platform administrators)' })
  tenantId!: string;
}

@ObjectType({ description: 'A page of ledger movements, newest first.' })
export class CreditTransactionConnection extends Connection(CreditTransaction, {
  one: 'ledger movement',
  item: 'movement',
  items: 'movements',
}) {}

const effects = (ctx: GqlContext) => ({ bus: ctx.app.bus, emit: ctx.app.emitInternal });

/** Platform admins act on any tenant's purchase: find its tenant first, then work inside it. */
async function onPurchase(ctx: GqlContext, id: string, t: Transition) {
  const tenantId = await inPlatform(ctx, (s) => purchaseTenant(s, id));
  return withTenant({ ...tenantContext(ctx, tenantId) }, (s) => transitionPurchase(s, id, t, effects(ctx)));
}

@Authorized()
@Resolver()
export class CreditsResolver {
  @Query(() => CreditBalance, { description: "The tenant's WhatsApp credit balance. Any role of the tenant." })
  creditBalance(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, getBalance);
  }

  @Query(() => CreditTransactionConnection, { description: 'The credit ledger, newest first. Any role of the tenant.' })
  async creditTransactions(
    @Ctx() ctx: GqlContext,
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
    const page = await inTenant(ctx, (s) => listTransactions(s, pageArgs(first, after, pageLimits(ctx.app.config))));
    return { edges: page.items, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  }

  @Query(() => [CreditPurchase], {
    description:
      "Credit purchases, newest first: the tenant's own (any role of the tenant), or every tenant's for a PLATFORM_ADMIN.",
  })
  creditPurchases(
    @Ctx() ctx: GqlContext,
    @Arg('status', () => CreditPurchaseStatus, {
      nullable: true,
      description: 'Only purchases in this status; omitted = all.',
    })
    status?: CreditPurchaseStatus | null,
    @Arg('tenantId', () => ID, {
      nullable: true,
      description: 'PLATFORM_ADMIN only; omitted by a platform admin = all tenants',
    })
    tenantId?: string | null,
  ) {
    if (isPlatformAdmin(ctx) && !tenantId) return inPlatform(ctx, (s) => listPurchases(s, status));
    return inTenant(ctx, (s) => listPurchases(s, status), tenantId);
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => CreditPurchase, {
    description:
      "Asks to buy credit (PENDING until paid); audited, and announced to the tenant's admins. TENANT_ADMIN only.",
  })
  requestCreditPurchase(
    @Arg('amount', () => DecimalScalar, {
      description: 'How much, in the tenant\'s currency: a positive decimal string, e.g. "250000".',
    })
    amount: string,
    @Ctx() ctx: GqlContext,
  ) {
    return inTenant(ctx, (s) => requestPurchase(s, amount, effects(ctx)));
  }

  @Authorized('PLATFORM_ADMIN')
  @Mutation(() => CreditPurchase, {
    description: 'Marks a PENDING purchase PAID and credits its amount, once. PLATFORM_ADMIN only.',
  })
  confirmCreditPurchase(
    @Arg('id', () => ID, { description: 'The purchase.' }) id: string,
    @Ctx() ctx: GqlContext,
    @Arg('reference', () => String, { nullable: true, description: 'The payment reference, e.g. "INV-2026-118".' })
    reference?: string | null,
  ) {
    return onPurchase(ctx, id, { to: 'PAID', reference: reference ?? null });
  }

  @Authorized('PLATFORM_ADMIN')
  @Mutation(() => CreditPurchase, {
    description: 'Marks a PENDING purchase FAILED; nothing is credited. PLATFORM_ADMIN only.',
  })
  failCreditPurchase(
    @Arg('id', () => ID, { description: 'The purchase.' }) id: string,
    @Arg('reason', () => String, { description: 'Why, shown to the tenant, e.g. "card declined".' }) reason: string,
    @Ctx() ctx: GqlContext,
  ) {
    return onPurchase(ctx, id, { to: 'FAILED', failureReason: reason });
  }

  @Authorized('TENANT_ADMIN', 'PLATFORM_ADMIN')
  @Mutation(() => CreditPurchase, {
    description: "Withdraws a PENDING purchase: TENANT_ADMIN (its own tenant's) or PLATFORM_ADMIN (any).",
  })
  cancelCreditPurchase(@Arg('id', () => ID, { description: 'The purchase.' }) id: string, @Ctx() ctx: GqlContext) {
    // A tenant admin reaches only its own tenant's purchases (RLS); a platform admin any.
    if (isPlatformAdmin(ctx)) return onPurchase(ctx, id, { to: 'CANCELLED' });
    return inTenant(ctx, (s) => transitionPurchase(s, id, { to: 'CANCELLED' }, effects(ctx)));
  }

  @Subscription(() => CreditBalance, {
    description: "The tenant's credit balance, each time it moves (graphql-ws). Any role of the tenant.",
    topics: 'credit.balance',
    topicId: ({ context }: { context: GqlContext }) => tenantContext(context).tenantId,
  })
  creditBalanceChanged(@Root() payload: BalancePayload, @Ctx() ctx: GqlContext): CreditBalance {
    requireAuth(ctx);
    return { currency: payload.currency, balance: payload.balance, updatedAt: payload.updatedAt };
  }
}
