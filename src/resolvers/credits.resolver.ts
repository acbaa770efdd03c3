import { Arg, Authorized, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { inPlatform, inTenant, isPlatformAdmin, requireAuth, tenantContext, type GqlContext } from '../graphql/context.js';
import { DecimalScalar } from '../graphql/scalars.js';
import { withTenant } from '../db/tenant.js';
import type { BalancePayload } from '../events/bus.js';
import { listPurchases, purchaseTenant, requestPurchase, transitionPurchase, type Transition } from '../services/credit-purchases.js';
import { getBalance, listTransactions } from '../services/credits.js';
import { pageArgs } from '../services/pagination.js';
import { CreditPurchaseStatus, CreditTransactionKind, Node, PageInfo, pageLimits } from './common.types.js';

@ObjectType()
export class CreditBalance {
  @Field(() => String) currency!: string;
  @Field(() => DecimalScalar) balance!: string;
  @Field(() => Date) updatedAt!: Date;
}

@ObjectType({ implements: Node })
export class CreditTransaction implements Node {
  @Field(() => ID) id!: string;
  @Field(() => CreditTransactionKind) kind!: CreditTransactionKind;
  @Field(() => DecimalScalar, { description: 'Signed: purchases and refunds positive, debits negative' }) amount!: string;
  @Field(() => DecimalScalar) balanceAfter!: string;
  @Field(() => ID, { nullable: true }) deliveryId!: string | null;
  @Field(() => ID, { nullable: true }) purchaseId!: string | null;
  @Field(() => String, { nullable: true }) note!: string | null;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ implements: Node })
export class CreditPurchase implements Node {
  @Field(() => ID) id!: string;
  @Field(() => DecimalScalar) amount!: string;
  @Field(() => String) currency!: string;
  @Field(() => CreditPurchaseStatus) status!: CreditPurchaseStatus;
  @Field(() => String, { nullable: true }) reference!: string | null;
  @Field(() => String, { nullable: true }) failureReason!: string | null;
  @Field(() => Date) requestedAt!: Date;
  @Field(() => Date) updatedAt!: Date;
  @Field(() => ID, { description: 'The tenant that requested it (useful to platform administrators)' }) tenantId!: string;
}

@ObjectType()
export class CreditTransactionEdge {
  @Field(() => String) cursor!: string;
  @Field(() => CreditTransaction) node!: CreditTransaction;
}

@ObjectType()
export class CreditTransactionConnection {
  @Field(() => [CreditTransactionEdge]) edges!: CreditTransactionEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

const effects = (ctx: GqlContext) => ({ bus: ctx.app.bus, emit: ctx.app.emitInternal });

/** Platform admins act on any tenant's purchase: find its tenant first, then work inside it. */
async function onPurchase(ctx: GqlContext, id: string, t: Transition) {
  const tenantId = await inPlatform(ctx, (s) => purchaseTenant(s, id));
  return withTenant({ ...tenantContext(ctx, tenantId) }, (s) => transitionPurchase(s, id, t, effects(ctx)));
}

@Authorized()
@Resolver()
export class CreditsResolver {
  @Query(() => CreditBalance)
  creditBalance(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, getBalance);
  }

  @Query(() => CreditTransactionConnection)
  async creditTransactions(
    @Ctx() ctx: GqlContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    const page = await inTenant(ctx, (s) => listTransactions(s, pageArgs(first, after, pageLimits(ctx.app.config))));
    return { edges: page.items, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  }

  @Query(() => [CreditPurchase])
  creditPurchases(
    @Ctx() ctx: GqlContext,
    @Arg('status', () => CreditPurchaseStatus, { nullable: true }) status?: CreditPurchaseStatus | null,
    @Arg('tenantId', () => ID, { nullable: true, description: 'PLATFORM_ADMIN only; omitted by a platform admin = all tenants' }) tenantId?: string | null,
  ) {
    if (isPlatformAdmin(ctx) && !tenantId) return inPlatform(ctx, (s) => listPurchases(s, status));
    return inTenant(ctx, (s) => listPurchases(s, status), tenantId);
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => CreditPurchase)
  requestCreditPurchase(@Arg('amount', () => DecimalScalar) amount: string, @Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => requestPurchase(s, amount, effects(ctx)));
  }

  @Authorized('PLATFORM_ADMIN')
  @Mutation(() => CreditPurchase)
  confirmCreditPurchase(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext, @Arg('reference', () => String, { nullable: true }) reference?: string | null) {
    return onPurchase(ctx, id, { to: 'PAID', reference: reference ?? null });
  }

  @Authorized('PLATFORM_ADMIN')
  @Mutation(() => CreditPurchase)
  failCreditPurchase(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: GqlContext) {
    return onPurchase(ctx, id, { to: 'FAILED', failureReason: reason });
  }

  @Authorized('TENANT_ADMIN', 'PLATFORM_ADMIN')
  @Mutation(() => CreditPurchase)
  cancelCreditPurchase(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext) {
    // A tenant admin reaches only its own tenant's purchases (RLS); a platform admin any.
    if (isPlatformAdmin(ctx)) return onPurchase(ctx, id, { to: 'CANCELLED' });
    return inTenant(ctx, (s) => transitionPurchase(s, id, { to: 'CANCELLED' }, effects(ctx)));
  }

  @Subscription(() => CreditBalance, {
    topics: 'credit.balance',
    topicId: ({ context }: { context: GqlContext }) => tenantContext(context).tenantId,
  })
  creditBalanceChanged(@Root() payload: BalancePayload, @Ctx() ctx: GqlContext): CreditBalance {
    requireAuth(ctx);
    return { currency: payload.currency, balance: payload.balance, updatedAt: payload.updatedAt };
  }
}
