import { Decimal } from 'decimal.js';
import { eq } from 'drizzle-orm';
import { creditTransactions, deliveries, whatsAppBilling, whatsAppConfigs } from '../schema/index.js';
import type { WhatsAppPricing } from '../channels/channel.types.js';
import type { TenantScope } from '../db/tenant.js';
import type { Bus } from '../events/bus.js';
import { ConflictError } from '../domain-errors.js';
import { audit } from './audit.service.js';
import { applyMovement, lockBalance } from './credits.service.js';
import type { DeliveryRow } from './deliveries.service.js';
import { priceAt, priceSchedule, type WhatsAppCategory } from './pricing.service.js';

/** Meta's free pricing types: a utility template inside an open customer-service window, or after a click-to-WhatsApp ad. */
const FREE_TYPES: ReadonlySet<string> = new Set(['free_customer_service', 'free_entry_point']);

/** Meta's pricing categories as Kabar's price list names them (marketing_lite is priced as marketing). */
const CATEGORY: Readonly<Record<string, WhatsAppCategory>> = {
  marketing: 'MARKETING',
  marketing_lite: 'MARKETING',
  utility: 'UTILITY',
  authentication: 'AUTHENTICATION',
  authentication_international: 'AUTHENTICATION',
  service: 'SERVICE',
};

export type BillingOutcome = 'REFUNDED' | 'ADJUSTED' | 'MATCHED' | 'NOT_CHARGED' | 'NO_PRICE' | 'UNCOVERED';

interface Settlement {
  outcome: BillingOutcome;
  /** The ledger movement to make (signed); zero: none. */
  amount: Decimal;
  kind?: 'REFUND' | 'ADJUSTMENT';
  note?: string;
  /** What Kabar had charged for it. */
  charged: Decimal;
}

/**
 * Makes a WhatsApp message cost what Meta billed for it, once per delivery, from the first
 * status that carries Meta's `pricing`: not billable (or a free type) refunds what it was charged;
 * billed under another category adjusts it to that category's price in force when Kabar charged
 * it. Later, repeated or out-of-order statuses find the delivery settled and change nothing. A
 * settlement that moves money holds the tenant's balance lock, and the record's key stops a
 * second settlement in any case. A delivery charged nothing (failed and refunded already, a free
 * text) is only recorded. Returns the outcome, or null when the delivery was settled before.
 */
export async function settleWhatsAppBilling(
  scope: TenantScope,
  delivery: Pick<DeliveryRow, 'id' | 'content'>,
  providerMessageId: string,
  pricing: WhatsAppPricing,
  bus?: Bus,
): Promise<BillingOutcome | null> {
  const deliveryId = delivery.id;
  // The usual case: the first status settled it, and a later one costs one read.
  if (await settled(scope, deliveryId)) return null;
  let s = billedAsCharged(delivery, pricing) ? MATCHED : await settlementFor(scope, deliveryId, pricing);
  let transactionId: string | null = null;
  if (!s.amount.isZero()) {
    // Money moves: under the tenant's balance lock, read again (a concurrent status may have settled it).
    await lockBalance(scope);
    if (await settled(scope, deliveryId)) return null;
    s = await settlementFor(scope, deliveryId, pricing);
  }
  if (!s.amount.isZero()) {
    const row = await applyMovement(
      scope,
      { kind: s.kind!, amount: s.amount.toFixed(), deliveryId, note: s.note! },
      bus,
    );
    // The balance cannot cover what Meta billed above Kabar's charge: never below zero, so recorded as owed.
    if (!row) s = { ...s, outcome: 'UNCOVERED', amount: new Decimal(0) };
    else {
      transactionId = row.id;
      // The delivery shows what it costs now: what Meta billed.
      await scope.tx
        .update(deliveries)
        .set({ cost: s.charged.minus(s.amount).toFixed() })
        .where(eq(deliveries.id, deliveryId));
    }
  }
  const [kept] = await scope.tx
    .insert(whatsAppBilling)
    .values({
      tenantId: scope.tenantId,
      deliveryId,
      providerMessageId,
      billable: pricing.billable,
      pricingModel: pricing.pricingModel ?? null,
      category: pricing.category ?? null,
      type: pricing.type ?? null,
      outcome: s.outcome,
      amount: s.amount.toFixed(),
      transactionId,
    })
    .onConflictDoNothing()
    .returning({ deliveryId: whatsAppBilling.deliveryId });
  if (!kept) {
    // Another status settled it meanwhile: with money moved here, all of this rolls back (the provider retries and finds it settled).
    if (transactionId) throw new ConflictError(`WhatsApp billing of delivery ${deliveryId} was settled concurrently`);
    return null;
  }
  // Billed as charged (or nothing charged): the record says so, and nothing moved to audit.
  if (s.outcome === 'MATCHED' || s.outcome === 'NOT_CHARGED') return s.outcome;
  await audit(scope, {
    action: 'whatsapp.billing.settled',
    entityType: 'delivery',
    entityId: deliveryId,
    details: {
      outcome: s.outcome,
      amount: s.amount.toFixed(),
      billable: pricing.billable,
      category: pricing.category ?? null,
      type: pricing.type ?? null,
      note: s.note ?? null,
    },
  });
  return s.outcome;
}

/**
 * Called before the status touches the delivery's row: a settlement that may move money takes the
 * tenant's balance lock first, in the order every charge and refund takes them (the balance, then
 * deliveries), so it never deadlocks with a unit recording sends. Billed as charged: no lock.
 */
export async function lockForSettlement(
  scope: TenantScope,
  delivery: Pick<DeliveryRow, 'id' | 'content'>,
  pricing: WhatsAppPricing,
): Promise<void> {
  if (billedAsCharged(delivery, pricing) || (await settled(scope, delivery.id))) return;
  await lockBalance(scope);
}

const MATCHED: Settlement = { outcome: 'MATCHED', amount: new Decimal(0), charged: new Decimal(0) };

/** The common case, without a price lookup: Meta billed, regularly, the category Kabar charged (its content's: release keeps it current). */
function billedAsCharged(delivery: Pick<DeliveryRow, 'content'>, pricing: WhatsAppPricing): boolean {
  const content = delivery.content as { category?: unknown } | null;
  const free = !pricing.billable || (pricing.type !== undefined && FREE_TYPES.has(pricing.type));
  return (
    !free &&
    !!pricing.category &&
    typeof content?.category === 'string' &&
    CATEGORY[pricing.category] === content.category
  );
}

async function settled(scope: TenantScope, deliveryId: string): Promise<boolean> {
  const [row] = await scope.tx
    .select({ outcome: whatsAppBilling.outcome })
    .from(whatsAppBilling)
    .where(eq(whatsAppBilling.deliveryId, deliveryId));
  return row !== undefined;
}

async function ledgerOf(
  scope: TenantScope,
  deliveryId: string,
): Promise<{ net: Decimal; chargedAt: Date | null; refunded: boolean }> {
  const rows = await scope.tx
    .select({
      kind: creditTransactions.kind,
      amount: creditTransactions.amount,
      createdAt: creditTransactions.createdAt,
    })
    .from(creditTransactions)
    .where(eq(creditTransactions.deliveryId, deliveryId));
  const net = rows.reduce((acc, r) => acc.plus(r.amount), new Decimal(0));
  // When Kabar last charged it: its DEBIT, or the ADJUSTMENT that charged a resend again.
  const charges = rows.filter((r) => new Decimal(r.amount).isNeg()).map((r) => r.createdAt.getTime());
  return {
    net,
    chargedAt: charges.length ? new Date(Math.max(...charges)) : null,
    refunded: rows.some((r) => r.kind === 'REFUND'),
  };
}

async function settlementFor(scope: TenantScope, deliveryId: string, pricing: WhatsAppPricing): Promise<Settlement> {
  const ledger = await ledgerOf(scope, deliveryId);
  const charged = ledger.net.neg();
  const none = (outcome: BillingOutcome): Settlement => ({ outcome, amount: new Decimal(0), charged });
  if (!charged.isPos() || !ledger.chargedAt) return none('NOT_CHARGED');
  const free = !pricing.billable || (pricing.type !== undefined && FREE_TYPES.has(pricing.type));
  if (free) {
    // A delivery has one REFUND (refund_once_per_delivery): a second give-back is an ADJUSTMENT.
    const kind = ledger.refunded ? 'ADJUSTMENT' : 'REFUND';
    return {
      outcome: 'REFUNDED',
      amount: charged,
      charged,
      kind,
      note: `Refund: Meta billed nothing for this message (${pricing.type ?? 'not billable'})`,
    };
  }
  const category = pricing.category ? CATEGORY[pricing.category] : undefined;
  const price = category ? await priceWhen(scope, category, ledger.chargedAt) : null;
  if (price === null) return none('NO_PRICE');
  const difference = price.minus(charged);
  if (difference.isZero()) return none('MATCHED');
  const note = `Adjustment: Meta billed ${category} (${price.toFixed()}), Kabar charged ${charged.toFixed()}`;
  return { outcome: 'ADJUSTED', amount: difference.neg(), charged, kind: 'ADJUSTMENT', note };
}

/** The tenant's price of a category at `at` (the prices in force when Kabar charged the message). */
async function priceWhen(scope: TenantScope, category: WhatsAppCategory, at: Date): Promise<Decimal | null> {
  const [cfg] = await scope.tx
    .select({ country: whatsAppConfigs.country, currency: whatsAppConfigs.currency })
    .from(whatsAppConfigs)
    .where(eq(whatsAppConfigs.tenantId, scope.tenantId));
  if (!cfg) return null;
  const row = priceAt(await priceSchedule(scope, cfg.country, cfg.currency, category, at), at);
  return row ? new Decimal(row.pricePerMessage) : null;
}
