import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { creditAlerts, deliveries, deliveryStatusHistory, events } from '../schema/index.js';
import { deferInsert } from '../db/deferred.js';
import type { TenantScope } from '../db/tenant.js';
import type { SecretBox } from '../crypto.js';
import type { Bus } from '../events/bus.js';
import { audit } from './audit.js';
import { debitForDelivery } from './credits.js';
import { recordStatus, type StatusPublisher } from './delivery-status.js';
import type { DeliveryRow } from './deliveries.js';
import type { EventEnvelope } from './events.js';
import { planMessages, type PlannedMessage } from './recipients.js';
import { applySchedulingEffects } from './scheduling.js';
import { cachedConfig } from './config-cache.js';
import { renderMessage, templateCache } from './rendering.js';
import { getTenantIfExists } from './tenants.js';
import { whatsAppGate, type WhatsAppGate } from './whatsapp-gate.js';

export interface DispatchContext {
  box: SecretBox;
  bus: Bus;
  publishStatus: StatusPublisher;
  now: () => Date;
  creditAlertIntervalSeconds: number;
  /** When the retry sweep takes over a message whose first attempt never happened (a crash after commit). */
  firstAttemptAfterMs: number;
}

/** A follow-up event Kabar produces itself (credit.insufficient, …), emitted after commit. */
export interface DerivedEvent {
  id: string;
  type: string;
  data: unknown;
}

/** Hands one of Kabar's own events to dispatch (in any role: the API process dispatches it too). */
export type EmitInternal = (tenantId: string, e: DerivedEvent) => Promise<void>;

export type DispatchOutcome =
  | { kind: 'dispatched'; queued: string[]; derived: DerivedEvent[] }
  | { kind: 'duplicate' }
  | { kind: 'unknown-tenant' };

/**
 * Turns one event into delivery rows, durably and idempotently: the event row is the dedupe
 * guard, the (event, recipient, channel) unique index makes a re-read event add nothing, and
 * WhatsApp is debited in the same transaction that queues the message.
 * Sending happens after commit (sender.ts), for the ids returned in `queued`.
 */
export async function dispatchEvent(scope: TenantScope, ctx: DispatchContext, e: EventEnvelope): Promise<DispatchOutcome> {
  const tenant = await cachedConfig(scope, 'tenant', () => getTenantIfExists(scope));
  if (!tenant) return { kind: 'unknown-tenant' };
  const data = JSON.parse(JSON.stringify(e.data ?? {})) as object;
  // The event row commits together with every delivery it yields, so a row that exists means
  // the event was fully handled. A concurrent handler of the same id waits on the key, then sees it.
  const inserted = await scope.tx
    .insert(events)
    .values({ tenantId: scope.tenantId, id: e.id, type: e.type, occurredAt: e.occurredAt, data, processedAt: ctx.now() })
    .onConflictDoNothing()
    .returning({ id: events.id });
  if (inserted.length === 0) return { kind: 'duplicate' };
  const derived: DerivedEvent[] = await applySchedulingEffects(scope, { ...e, data }, ctx.now());
  const planned = await planMessages(scope, e.type, data, tenant.defaultLanguage);
  const template = templateCache(scope, e.type);
  const now = ctx.now();
  let gate: Promise<WhatsAppGate> | undefined;
  const queued: string[] = [];

  for (const m of planned) {
    const rendered = m.skip ? null : renderMessage(await template(m.channel, m.language), tenant, e.type, data, m);
    const id = randomUUID();
    const row = await insertDelivery(scope, id, e, m, rendered && rendered.ok ? rendered : null, now, ctx.firstAttemptAfterMs);
    if (!row) continue; // recorded by an earlier run of this event
    if (m.skip) { await recordStatus(scope, row, { status: 'SKIPPED', reason: m.skip }, ctx.publishStatus); continue; }
    if (!rendered!.ok) { await recordStatus(scope, row, { status: 'FAILED', reason: rendered!.reason }, ctx.publishStatus); continue; }
    if (m.channel === 'WHATSAPP' && rendered!.content.channel === 'WHATSAPP') {
      gate ??= whatsAppGate(scope, ctx.box, now);
      const g = await gate;
      if (!g.ok) { await recordStatus(scope, row, { status: 'SKIPPED', reason: g.reason }, ctx.publishStatus); continue; }
      const price = await g.price(rendered!.content.category);
      if (price === null) { await recordStatus(scope, row, { status: 'SKIPPED', reason: 'NO_PRICE' }, ctx.publishStatus); continue; }
      const debit = await debitForDelivery(scope, id, price, ctx.bus);
      if (!debit.charged) {
        await recordStatus(scope, row, { status: 'SKIPPED', reason: 'INSUFFICIENT_CREDIT' }, ctx.publishStatus);
        const alert = await creditAlert(scope, ctx, now, { balance: debit.balance, required: debit.required, eventType: e.type, deliveryId: id, tenantName: tenant.name, currency: tenant.currency });
        if (alert) derived.push(alert);
        continue;
      }
      await scope.tx.update(deliveries).set({ cost: price }).where(eq(deliveries.id, id));
    }
    queued.push(id);
  }
  return { kind: 'dispatched', queued, derived };
}

async function insertDelivery(scope: TenantScope, id: string, e: EventEnvelope, m: PlannedMessage, rendered: { body: string; content: unknown } | null, now: Date, firstAttemptAfterMs: number): Promise<DeliveryRow | undefined> {
  const [row] = await scope.tx
    .insert(deliveries)
    .values({
      id,
      tenantId: scope.tenantId,
      eventId: e.id,
      eventType: e.type,
      channel: m.channel,
      recipient: m.recipient,
      recipientKind: m.recipientKind,
      recipientRef: m.recipientRef,
      language: m.language,
      status: 'QUEUED',
      renderedBody: rendered?.body ?? '',
      content: rendered?.content ?? null,
      // The dispatcher sends at once; the retry worker only picks this up if that never happened.
      nextAttemptAt: new Date(now.getTime() + firstAttemptAfterMs),
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return undefined;
  deferInsert(scope, deliveryStatusHistory, { tenantId: scope.tenantId, deliveryId: id, status: 'QUEUED', at: row.createdAt });
  await audit(scope, { action: 'delivery.queued', entityType: 'delivery', entityId: id, details: { eventId: e.id, eventType: e.type, channel: m.channel, recipientKind: m.recipientKind } });
  return row;
}

/** credit.insufficient to the tenant's administrators, at most once per interval per tenant. */
async function creditAlert(scope: TenantScope, ctx: DispatchContext, now: Date, d: { balance: string; required: string; eventType: string; deliveryId: string; tenantName: string; currency: string }): Promise<DerivedEvent | null> {
  const since = new Date(now.getTime() - ctx.creditAlertIntervalSeconds * 1000);
  const [row] = await scope.tx
    .insert(creditAlerts)
    .values({ tenantId: scope.tenantId, lastAlertAt: now })
    .onConflictDoUpdate({ target: creditAlerts.tenantId, set: { lastAlertAt: now }, setWhere: sql`${creditAlerts.lastAlertAt} <= ${since.toISOString()}::timestamptz` })
    .returning();
  if (!row) return null;
  return {
    id: `credit.insufficient:${scope.tenantId}:${now.getTime()}`,
    type: 'credit.insufficient',
    data: { balance: d.balance, currency: d.currency, required: d.required, eventType: d.eventType, deliveryId: d.deliveryId, tenant: { id: scope.tenantId, name: d.tenantName } },
  };
}
