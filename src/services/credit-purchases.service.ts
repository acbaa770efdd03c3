import { and, desc, eq } from 'drizzle-orm';
import { creditPurchases } from '../schema/index.js';
import { InvalidStateTransitionError, NotFoundError, ValidationError } from '../domain-errors.js';
import type { PlatformScope, TenantScope } from '../db/tenant.js';
import { Decimal } from 'decimal.js';
import type { Bus } from '../events/bus.js';
import type { EmitInternal } from './dispatch.service.js';
import { checkMoney, isId } from '../validation.js';
import { audit } from './audit.service.js';
import { applyMovement } from './credits.service.js';
import { getTenant } from './tenants.service.js';

export type PurchaseRow = typeof creditPurchases.$inferSelect;
export type PurchaseStatus = PurchaseRow['status'];

/** Side effects of a purchase change, both after commit: the live balance and the tenant's notification. */
export interface PurchaseEffects {
  bus?: Bus;
  emit?: EmitInternal;
}

/** credit.purchase_status for the tenant's administrators; the id makes each status notify once. */
function notify(scope: TenantScope, row: PurchaseRow, fx: PurchaseEffects | undefined, tenantName: string): void {
  if (!fx?.emit) return;
  const emit = fx.emit;
  const purchase = {
    id: row.id,
    amount: row.amount,
    currency: row.currency,
    status: row.status.toLowerCase(),
    ...(row.reference ? { reference: row.reference } : {}),
    ...(row.failureReason ? { failureReason: row.failureReason } : {}),
  };
  const event = {
    id: `credit.purchase_status:${row.id}:${row.status}`,
    type: 'credit.purchase_status',
    data: {
      purchase: { ...purchase, amount: new Decimal(row.amount).toFixed() },
      tenant: { id: scope.tenantId, name: tenantName },
    },
  };
  scope.afterCommit(() => emit(scope.tenantId, event));
}

export async function requestPurchase(scope: TenantScope, amount: string, fx?: PurchaseEffects): Promise<PurchaseRow> {
  const tenant = await getTenant(scope);
  const value = checkMoney('amount', amount, tenant.currency);
  const [row] = await scope.tx
    .insert(creditPurchases)
    .values({ tenantId: scope.tenantId, amount: value, currency: tenant.currency, requestedBy: scope.actor })
    .returning();
  await audit(scope, {
    action: 'credit.purchase.request',
    entityType: 'credit_purchase',
    entityId: row!.id,
    details: { amount: value, currency: tenant.currency },
  });
  notify(scope, row!, fx, tenant.name);
  return row!;
}

export async function listPurchases(
  scope: TenantScope | PlatformScope,
  status?: PurchaseStatus | null,
): Promise<PurchaseRow[]> {
  return scope.tx
    .select()
    .from(creditPurchases)
    .where(status ? eq(creditPurchases.status, status) : undefined)
    .orderBy(desc(creditPurchases.requestedAt), desc(creditPurchases.id));
}

/** Which tenant a purchase belongs to (platform admins act on any tenant's purchase). */
export async function purchaseTenant(scope: PlatformScope, id: string): Promise<string> {
  if (!isId(id)) throw new NotFoundError('CreditPurchase', id);
  const [row] = await scope.tx
    .select({ tenantId: creditPurchases.tenantId })
    .from(creditPurchases)
    .where(eq(creditPurchases.id, id));
  if (!row) throw new NotFoundError('CreditPurchase', id);
  return row.tenantId;
}

async function load(scope: TenantScope, id: string): Promise<PurchaseRow> {
  if (!isId(id)) throw new NotFoundError('CreditPurchase', id);
  const [row] = await scope.tx.select().from(creditPurchases).where(eq(creditPurchases.id, id));
  if (!row) throw new NotFoundError('CreditPurchase', id);
  return row;
}

export interface Transition {
  to: Exclude<PurchaseStatus, 'PENDING'>;
  reference?: string | null;
  failureReason?: string | null;
}

/**
 * PENDING -> PAID | FAILED | CANCELLED, nothing else. The conditional UPDATE takes the row lock,
 * so of two concurrent confirmations exactly one moves the purchase and credits the balance;
 * the other sees PAID and gets the purchase back unchanged (asking for the state it is in is a no-op).
 */
export async function transitionPurchase(
  scope: TenantScope,
  id: string,
  t: Transition,
  fx?: PurchaseEffects,
): Promise<PurchaseRow> {
  if (!isId(id)) throw new NotFoundError('CreditPurchase', id);
  if (t.to === 'FAILED' && !t.failureReason?.trim()) throw new ValidationError('reason', 'reason must not be empty');
  const [moved] = await scope.tx
    .update(creditPurchases)
    .set({
      status: t.to,
      reference: t.reference ?? undefined,
      failureReason: t.failureReason ?? undefined,
      updatedAt: new Date(),
    })
    .where(and(eq(creditPurchases.id, id), eq(creditPurchases.status, 'PENDING')))
    .returning();
  if (!moved) {
    const current = await load(scope, id);
    if (current.status === t.to) return current;
    throw new InvalidStateTransitionError('CreditPurchase', current.status, t.to);
  }
  await audit(scope, {
    action: `credit.purchase.${t.to.toLowerCase()}`,
    entityType: 'credit_purchase',
    entityId: id,
    details: {
      from: 'PENDING',
      to: t.to,
      amount: moved.amount,
      reference: t.reference ?? null,
      reason: t.failureReason ?? null,
    },
  });
  if (t.to === 'PAID') {
    await applyMovement(
      scope,
      { kind: 'PURCHASE', amount: moved.amount, purchaseId: id, note: t.reference ?? 'Credit purchase' },
      fx?.bus,
    );
  }
  notify(scope, moved, fx, (await getTenant(scope)).name);
  return moved;
}
