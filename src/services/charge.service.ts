import { sql } from 'drizzle-orm';
import { creditAlerts } from '../schema/index.js';
import type { TenantScope } from '../db/tenant.js';
import type { SecretBox } from '../crypto.js';
import type { Bus } from '../events/bus.js';
import { debitDeliveries } from './credits.service.js';
import { cachedVerdicts, refused, verdictKey, type VerdictRow } from './template-verdicts.service.js';
import type { TenantRow } from './tenants.service.js';
import { whatsAppGate, type WhatsAppGate } from './whatsapp-gate.service.js';
import type { DerivedEvent } from './derived-events.service.js';

export type { DerivedEvent } from './derived-events.service.js';

export interface ChargeContext {
  box: SecretBox;
  bus: Bus;
  creditAlertIntervalSeconds: number;
}

/** A WhatsApp message's fate before the debit: its price, or why it cannot go. */
export type Priced =
  | { price: string; category: string }
  | { skip: 'WHATSAPP_DISABLED' | 'WHATSAPP_NOT_CONFIGURED' | 'NO_PRICE' | 'TEMPLATE_NOT_APPROVED' };

/** What a WhatsApp message is priced by: its Meta template (absent for a free-form text) and category. */
export interface PricedMessage {
  templateName?: string;
  language?: string;
  category: string;
}

/**
 * Prices WhatsApp messages of one unit of work; the tenant's switch, configuration and Meta's
 * verdicts are read once (through the configuration cache). A template Meta refuses (REJECTED,
 * PAUSED, DISABLED) is skipped TEMPLATE_NOT_APPROVED before any charge; the category Meta put a
 * template in prices it, over the one it was rendered with.
 */
export function whatsAppPricer(scope: TenantScope, box: SecretBox, now: Date): (m: PricedMessage) => Promise<Priced> {
  let gate: Promise<WhatsAppGate> | undefined;
  let verdicts: Promise<Map<string, VerdictRow>> | undefined;
  return async (m) => {
    const g = await (gate ??= whatsAppGate(scope, box, now));
    if (!g.ok) return { skip: g.reason };
    let category = m.category;
    if (m.templateName && m.language) {
      const v = await (verdicts ??= cachedVerdicts(scope));
      if (refused(v, m.templateName, m.language)) return { skip: 'TEMPLATE_NOT_APPROVED' };
      category = v.get(verdictKey(m.templateName, m.language))?.category ?? category;
    }
    const price = await g.price(category);
    return price === null ? { skip: 'NO_PRICE' } : { price, category };
  };
}

/**
 * Debits WhatsApp messages in order while the balance allows. Returns the ones refused, and the
 * credit.insufficient alert to raise (at most once per interval per tenant) when any was.
 */
export async function chargeWhatsApp(
  scope: TenantScope,
  ctx: ChargeContext,
  tenant: TenantRow,
  billable: { id: string; price: string; eventType: string }[],
  now: Date,
): Promise<{ refused: Set<string>; alert: DerivedEvent | null }> {
  if (billable.length === 0) return { refused: new Set(), alert: null };
  const debit = await debitDeliveries(
    scope,
    billable.map((d) => ({ deliveryId: d.id, price: d.price })),
    ctx.bus,
  );
  const refused = billable.filter((d) => !debit.charged.has(d.id));
  const first = refused[0];
  if (!first) return { refused: new Set(), alert: null };
  const alert = await creditAlert(scope, ctx, now, {
    balance: debit.balance,
    required: first.price,
    eventType: first.eventType,
    deliveryId: first.id,
    tenantName: tenant.name,
    currency: tenant.currency,
  });
  return { refused: new Set(refused.map((d) => d.id)), alert };
}

/** credit.insufficient to the tenant's administrators, at most once per interval per tenant. */
async function creditAlert(
  scope: TenantScope,
  ctx: ChargeContext,
  now: Date,
  d: { balance: string; required: string; eventType: string; deliveryId: string; tenantName: string; currency: string },
): Promise<DerivedEvent | null> {
  const since = new Date(now.getTime() - ctx.creditAlertIntervalSeconds * 1000);
  const [row] = await scope.tx
    .insert(creditAlerts)
    .values({ tenantId: scope.tenantId, lastAlertAt: now })
    .onConflictDoUpdate({
      target: creditAlerts.tenantId,
      set: { lastAlertAt: now },
      setWhere: sql`${creditAlerts.lastAlertAt} <= ${since.toISOString()}::timestamptz`,
    })
    .returning();
  if (!row) return null;
  return {
    id: `credit.insufficient:${scope.tenantId}:${now.getTime()}`,
    type: 'credit.insufficient',
    data: {
      balance: d.balance,
      currency: d.currency,
      required: d.required,
      eventType: d.eventType,
      deliveryId: d.deliveryId,
      tenant: { id: scope.tenantId, name: d.tenantName },
    },
  };
}
