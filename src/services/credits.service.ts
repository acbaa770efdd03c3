import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { creditBalances, creditTransactions } from '../schema/index.js';
import type { TenantScope } from '../db/tenant.js';
import type { Bus } from '../events/bus.js';
import { InsufficientCreditError } from '../domain-errors.js';
import { audit } from './audit.service.js';
import { decodeCursor, pageOf, type Page, type PageArgs } from './pagination.service.js';
import { getTenant } from './tenants.service.js';

export type TransactionRow = typeof creditTransactions.$inferSelect;
export type TransactionKind = TransactionRow['kind'];
export interface BalanceView {
  currency: string;
  balance: string;
  updatedAt: Date;
}

/** The tenant's balance; a tenant that never bought credit has zero in its own currency. */
export async function getBalance(scope: TenantScope): Promise<BalanceView> {
  const [row] = await scope.tx.select().from(creditBalances).where(eq(creditBalances.tenantId, scope.tenantId));
  if (row) return { currency: row.currency, balance: new Decimal(row.balance).toFixed(), updatedAt: row.updatedAt };
  const tenant = await getTenant(scope);
  return { currency: tenant.currency, balance: '0', updatedAt: tenant.createdAt };
}

export async function listTransactions(scope: TenantScope, page: PageArgs): Promise<Page<TransactionRow>> {
  const after = decodeCursor(page.after);
  const rows = await scope.tx
    .select()
    .from(creditTransactions)
    .where(after !== null ? lt(creditTransactions.seq, after) : undefined)
    .orderBy(desc(creditTransactions.seq))
    .limit(page.first + 1);
  return pageOf(rows, page.first, (r) => r.seq);
}

interface Movement {
  kind: TransactionKind;
  amount: string; // signed
  deliveryId?: string | null;
  purchaseId?: string | null;
  note?: string | null;
}

/**
 * The only writer of balances: moves the balance and appends the ledger row in one transaction,
 * so the balance always equals the ledger's sum. The CHECK constraint keeps it non-negative.
 * Returns null when a debit would take the balance below zero (nothing is written then).
 */
export async function applyMovement(scope: TenantScope, m: Movement, bus?: Bus): Promise<TransactionRow | null> {
  const now = new Date();
  const [bal] = new Decimal(m.amount).isNeg()
    ? await scope.tx
        .update(creditBalances)
        .set({ balance: sql`${creditBalances.balance} + ${m.amount}::numeric`, updatedAt: now })
        .where(
          and(eq(creditBalances.tenantId, scope.tenantId), sql`${creditBalances.balance} + ${m.amount}::numeric >= 0`),
        )
        .returning()
    : await scope.tx
        .insert(creditBalances)
        .values({
          tenantId: scope.tenantId,
          currency: (await getTenant(scope)).currency,
          balance: m.amount,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: creditBalances.tenantId,
          set: { balance: sql`${creditBalances.balance} + ${m.amount}::numeric`, updatedAt: now },
        })
        .returning();
  if (!bal) return null;
  const [row] = await scope.tx
    .insert(creditTransactions)
    .values({
      tenantId: scope.tenantId,
      kind: m.kind,
      amount: m.amount,
      balanceAfter: bal.balance,
      deliveryId: m.deliveryId ?? null,
      purchaseId: m.purchaseId ?? null,
      note: m.note ?? null,
    })
    .returning();
  await audit(scope, {
    action: `credit.${m.kind.toLowerCase()}`,
    entityType: 'credit_transaction',
    entityId: row!.id,
    details: {
      amount: new Decimal(m.amount).toFixed(),
      balanceAfter: new Decimal(bal.balance).toFixed(),
      deliveryId: m.deliveryId ?? null,
      purchaseId: m.purchaseId ?? null,
    },
  });
  const payload = {
    tenantId: scope.tenantId,
    currency: bal.currency,
    balance: new Decimal(bal.balance).toFixed(),
    updatedAt: bal.updatedAt,
  };
  if (bus) scope.afterCommit(() => bus.publish('credit.balance', payload));
  return row!;
}

async function ledgerFor(
  scope: TenantScope,
  kind: TransactionKind,
  deliveryId: string,
): Promise<TransactionRow | undefined> {
  const [row] = await scope.tx
    .select()
    .from(creditTransactions)
    .where(and(eq(creditTransactions.kind, kind), eq(creditTransactions.deliveryId, deliveryId)));
  return row;
}

export async function lockBalance(scope: TenantScope): Promise<void> {
  // Serialises money movements of one tenant, so the "already charged?" check below cannot race.
  await scope.tx
    .select({ t: creditBalances.tenantId })
    .from(creditBalances)
    .where(eq(creditBalances.tenantId, scope.tenantId))
    .for('update');
}

/**
 * Charges new WhatsApp messages in order, each while the balance still covers it (a later,
 * cheaper one may still fit). The balance row is locked and read once; the new balance and the
 * ledger rows (each with its balance after) are written with the transaction's other writes
 * at commit (scope.atCommit), in one round trip. Returns the ledger row id by delivery and the balance left. The
 * deliveries must be new: a second debit of one fails the transaction (debit_once_per_delivery).
 */
export async function debitDeliveries(
  scope: TenantScope,
  charges: { deliveryId: string; price: string }[],
  bus?: Bus,
): Promise<{ charged: Map<string, string>; balance: string }> {
  const [held] = await scope.tx
    .select()
    .from(creditBalances)
    .where(eq(creditBalances.tenantId, scope.tenantId))
    .for('update');
  let balance = new Decimal(held?.balance ?? 0);
  const charged = new Map<string, string>();
  if (!held) return { charged, balance: balance.toFixed() };
  const now = new Date();
  for (const c of charges) {
    const price = new Decimal(c.price);
    if (balance.lt(price)) continue;
    balance = balance.minus(price);
    const row = {
      id: randomUUID(),
      tenantId: scope.tenantId,
      kind: 'DEBIT' as const,
      amount: price.neg().toFixed(),
      balanceAfter: balance.toFixed(),
      deliveryId: c.deliveryId,
      purchaseId: null,
      note: 'WhatsApp message',
      createdAt: now,
    };
    scope.atCommit.insert(creditTransactions, row);
    charged.set(c.deliveryId, row.id);
    await audit(scope, {
      action: 'credit.debit',
      entityType: 'credit_transaction',
      entityId: row.id,
      details: { amount: row.amount, balanceAfter: row.balanceAfter, deliveryId: c.deliveryId, purchaseId: null },
    });
  }
  if (charged.size === 0) return { charged, balance: balance.toFixed() };
  const left = balance.toFixed();
  const total = new Decimal(held.balance).minus(balance).toFixed();
  // Relative, like every balance movement (the row is locked, so it lands on `left`); the CHECK constraint still guards it.
  scope.atCommit.write(
    creditBalances,
    scope.tx
      .update(creditBalances)
      .set({ balance: sql`${creditBalances.balance} - ${total}::numeric`, updatedAt: now })
      .where(eq(creditBalances.tenantId, scope.tenantId)),
  );
  const payload = { tenantId: scope.tenantId, currency: held.currency, balance: left, updatedAt: now };
  if (bus) scope.afterCommit(() => bus.publish('credit.balance', payload));
  return { charged, balance: left };
}

/** What a delivery costs the tenant right now: the sum of its ledger rows (negative = charged). */
async function netFor(scope: TenantScope, deliveryId: string): Promise<Decimal> {
  const rows = await scope.tx
    .select({ amount: creditTransactions.amount })
    .from(creditTransactions)
    .where(eq(creditTransactions.deliveryId, deliveryId));
  return rows.reduce((acc, r) => acc.plus(r.amount), new Decimal(0));
}

/**
 * Gives back what a delivery was charged (the provider rejected it outright). Idempotent: once
 * the delivery's ledger nets to zero there is nothing more to refund. Null if nothing was due.
 */
export async function refundDelivery(
  scope: TenantScope,
  deliveryId: string,
  note: string,
  bus?: Bus,
): Promise<TransactionRow | null> {
  await lockBalance(scope);
  const net = await netFor(scope, deliveryId);
  if (!net.isNeg()) return null;
  // The first refund is a REFUND (unique per delivery); a refund after a manual retry's re-charge is an ADJUSTMENT.
  const kind: TransactionKind = (await ledgerFor(scope, 'REFUND', deliveryId)) ? 'ADJUSTMENT' : 'REFUND';
  return applyMovement(scope, { kind, amount: net.neg().toFixed(), deliveryId, note }, bus);
}

/** A manual retry of a refunded WhatsApp message charges its price again (ADJUSTMENT), or throws INSUFFICIENT_CREDIT. */
export async function rechargeForRetry(scope: TenantScope, deliveryId: string, bus?: Bus): Promise<void> {
  await lockBalance(scope);
  const debit = await ledgerFor(scope, 'DEBIT', deliveryId);
  if (!debit || (await netFor(scope, deliveryId)).isNeg()) return;
  const row = await applyMovement(
    scope,
    { kind: 'ADJUSTMENT', amount: debit.amount, deliveryId, note: 'WhatsApp message (manual retry)' },
    bus,
  );
  if (!row)
    throw new InsufficientCreditError((await getBalance(scope)).balance, new Decimal(debit.amount).neg().toFixed());
}

/**
 * What each delivery's ledger says before a (re)charge: paid (nets negative: a retry costs
 * nothing more), debited once and refunded since (a resend charges again as an ADJUSTMENT, since
 * a delivery has one DEBIT), or never charged.
 */
export async function ledgerStates(
  scope: TenantScope,
  deliveryIds: string[],
): Promise<Map<string, 'paid' | 'refunded' | 'new'>> {
  const out = new Map<string, 'paid' | 'refunded' | 'new'>(deliveryIds.map((id) => [id, 'new']));
  if (deliveryIds.length === 0) return out;
  const rows = await scope.tx
    .select({
      deliveryId: creditTransactions.deliveryId,
      net: sql<string>`sum(${creditTransactions.amount})`,
      debits: sql<number>`count(*) filter (where ${creditTransactions.kind} = 'DEBIT')`,
    })
    .from(creditTransactions)
    .where(inArray(creditTransactions.deliveryId, deliveryIds))
    .groupBy(creditTransactions.deliveryId);
  for (const r of rows)
    out.set(r.deliveryId!, new Decimal(r.net).isNeg() ? 'paid' : Number(r.debits) > 0 ? 'refunded' : 'new');
  return out;
}

/** Charges a refunded delivery again at `price` (an ADJUSTMENT); false when the balance cannot cover it. */
export async function rechargeDelivery(
  scope: TenantScope,
  deliveryId: string,
  price: string,
  note: string,
  bus?: Bus,
): Promise<boolean> {
  await lockBalance(scope);
  return (
    (await applyMovement(
      scope,
      { kind: 'ADJUSTMENT', amount: new Decimal(price).neg().toFixed(), deliveryId, note },
      bus,
    )) !== null
  );
}
