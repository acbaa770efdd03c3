import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { creditAlerts, deliveries, events } from '../schema/index.js';
import { deferInsert } from '../db/deferred.js';
import { insertMany } from '../db/bulk.js';
import type { TenantScope } from '../db/tenant.js';
import type { SecretBox } from '../crypto.js';
import type { Bus } from '../events/bus.js';
import { audit } from './audit.js';
import { debitDeliveries } from './credits.js';
import { recordReport, statusMoved, type StatusPublisher } from './delivery-status.js';
import type { DeliveryRow } from './deliveries.js';
import type { EventEnvelope } from './events.js';
import { planMessages, type PlannedMessage } from './recipients.js';
import { applySchedulingEffects } from './scheduling.js';
import { applyPreferenceEvent } from './preferences.js';
import { cachedConfig } from './config-cache.js';
import { renderMessage, tenantTemplates, type Rendered } from './rendering.js';
import { getTenantIfExists, type TenantRow } from './tenants.js';
import { whatsAppGate, type WhatsAppGate } from './whatsapp-gate.js';

export interface DispatchContext {
  box: SecretBox;
  bus: Bus;
  publishStatus: StatusPublisher;
  now: () => Date;
  creditAlertIntervalSeconds: number;
  /** When the retry sweep takes over a message whose first attempt never happened (a crash after commit). */
  firstAttemptAfterMs: number;
  /**
   * Channels whose providers report every accepted message (KABAR_RECEIPT_CHANNELS). Their
   * messages are claimed for their first attempt as they are written (see `held`).
   */
  receiptChannels: ReadonlySet<string>;
}

/** A follow-up event Kabar produces itself (credit.insufficient, …), emitted after commit. */
export interface DerivedEvent {
  id: string;
  type: string;
  data: unknown;
}

/** Hands one of Kabar's own events to dispatch (in any role: the API process dispatches it too). */
export type EmitInternal = (tenantId: string, e: DerivedEvent) => Promise<void>;

/** What became of one event: new (its deliveries are recorded), seen before, or for no known tenant. */
export type DispatchOutcome = { kind: 'dispatched' | 'duplicate' | 'unknown-tenant' };

export interface BatchOutcome {
  /** One per input event, in input order. */
  outcomes: DispatchOutcome[];
  /** Deliveries to claim and send now, after commit (sender.ts). */
  queued: string[];
  /**
   * Deliveries written already claimed for their first attempt (sending since `now`, attempt 1):
   * the unit needs no claim transaction of its own. Only on receipt channels: if the process dies
   * before the call, the retry sweep takes them over once the send lease runs out, finds no
   * receipt and sends them then; a channel without receipts would have to give them up instead.
   */
  held: Omit<DeliveryRow, 'seq'>[];
  derived: DerivedEvent[];
}

/** One message on its way into the deliveries table, with the status it is written with. */
interface Draft {
  id: string;
  e: EventEnvelope;
  m: PlannedMessage;
  content: { body: string; content: unknown } | null;
  status: 'QUEUED' | 'SKIPPED' | 'FAILED';
  reason?: string;
  /** WhatsApp: what it costs, charged below if the balance allows. */
  price?: string;
}

/**
 * Turns a tenant's events into delivery rows, durably and idempotently, in the caller's one
 * transaction: the event rows are the dedupe guard (an event whose row exists was fully
 * handled), and every message is written once with its final status: QUEUED, or SKIPPED/FAILED
 * with a reason. WhatsApp messages are debited in the same transaction, in order, while the
 * balance allows. Everything is written with one multi-row statement per table, not per message.
 */
export async function dispatchEvents(scope: TenantScope, ctx: DispatchContext, list: EventEnvelope[]): Promise<BatchOutcome> {
  const tenant = await cachedConfig(scope, 'tenant', () => getTenantIfExists(scope));
  if (!tenant) return { outcomes: list.map(() => ({ kind: 'unknown-tenant' })), queued: [], held: [], derived: [] };
  const now = ctx.now();
  const fresh = await insertEvents(scope, list, now);
  const derived: DerivedEvent[] = [];
  const drafts: Draft[] = [];
  let gate: Promise<WhatsAppGate> | undefined;
  const template = await tenantTemplates(scope);
  for (const e of list) {
    if (!fresh.has(e)) continue;
    const data = fresh.get(e)!;
    // Scheduling effects run event by event, in order: a reschedule after a confirmation sees it.
    derived.push(...(await applySchedulingEffects(scope, { ...e, data }, now)));
    await applyPreferenceEvent(scope, { ...e, data }, now);
    const seen = new Set<string>();
    for (const m of await planMessages(scope, e.type, data, tenant.defaultLanguage)) {
      // One event never yields two messages to the same recipient over the same channel.
      const key = `${m.recipient}\u0000${m.channel}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const rendered = m.skip ? null : renderMessage(template(e.type, m.channel, m.language), tenant, e.type, data, m);
      const draft = toDraft(e, m, rendered);
      if (draft.status === 'QUEUED' && rendered?.ok && rendered.content.channel === 'WHATSAPP') {
        const g = await (gate ??= whatsAppGate(scope, ctx.box, now));
        const price = g.ok ? await g.price(rendered.content.category) : null;
        if (!g.ok) Object.assign(draft, { status: 'SKIPPED', reason: g.reason });
        else if (price === null) Object.assign(draft, { status: 'SKIPPED', reason: 'NO_PRICE' });
        else draft.price = price;
      }
      drafts.push(draft);
    }
  }
  const alert = await charge(scope, ctx, tenant, drafts, now);
  if (alert) derived.push(alert);
  const rows = await insertDeliveries(scope, ctx, drafts, now);
  const queued = rows.filter((r) => r.status === 'QUEUED');
  return {
    outcomes: list.map((e) => ({ kind: fresh.has(e) ? 'dispatched' : 'duplicate' })),
    queued: queued.filter((r) => !r.sendingSince).map((r) => r.id),
    held: queued.filter((r) => r.sendingSince),
    derived,
  };
}

/** Records the events not seen before (the first of two with one id wins); returns them with their stored data. */
async function insertEvents(scope: TenantScope, list: EventEnvelope[], now: Date): Promise<Map<EventEnvelope, object>> {
  const firsts = new Map<string, EventEnvelope>();
  for (const e of list) if (!firsts.has(e.id)) firsts.set(e.id, e);
  // A copy through JSON is what jsonb stores (undefined dropped, dates as strings): rendering sees the same.
  const rows = [...firsts.values()].map((e) => ({ tenantId: scope.tenantId, id: e.id, type: e.type, occurredAt: e.occurredAt, data: JSON.parse(JSON.stringify(e.data ?? {})) as object, processedAt: now }));
  // Sorted by id, so two transactions recording overlapping ids take their locks in one order.
  rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const got = await insertMany(scope, events, rows, { onConflictDoNothing: true, returning: ['id'] });
  const inserted = new Set(got.map((r) => r.id as string));
  const byId = new Map(rows.map((r) => [r.id, r.data]));
  const fresh = new Map<EventEnvelope, object>();
  for (const e of firsts.values()) if (inserted.has(e.id)) fresh.set(e, byId.get(e.id)!);
  return fresh;
}

function toDraft(e: EventEnvelope, m: PlannedMessage, rendered: Rendered | null): Draft {
  const base = { id: randomUUID(), e, m };
  if (m.skip) return { ...base, content: null, status: 'SKIPPED', reason: m.skip };
  if (!rendered!.ok) return { ...base, content: null, status: 'FAILED', reason: rendered!.reason };
  return { ...base, content: rendered!, status: 'QUEUED' };
}

/** Debits the WhatsApp drafts in order while the balance allows; the rest are SKIPPED and may raise credit.insufficient. */
async function charge(scope: TenantScope, ctx: DispatchContext, tenant: TenantRow, drafts: Draft[], now: Date): Promise<DerivedEvent | null> {
  const billable = drafts.filter((d) => d.price !== undefined);
  if (billable.length === 0) return null;
  const debit = await debitDeliveries(scope, billable.map((d) => ({ deliveryId: d.id, price: d.price! })), ctx.bus);
  const refused = billable.filter((d) => !debit.charged.has(d.id));
  const first = refused[0];
  if (!first) return null;
  const required = first.price!;
  for (const d of refused) Object.assign(d, { status: 'SKIPPED', reason: 'INSUFFICIENT_CREDIT' });
  return creditAlert(scope, ctx, now, { balance: debit.balance, required, eventType: first.e.type, deliveryId: first.id, tenantName: tenant.name, currency: tenant.currency });
}

/** The deliveries, their QUEUED (and final) history rows and audit entries: one statement each, sent together at commit. */
async function insertDeliveries(scope: TenantScope, ctx: DispatchContext, drafts: Draft[], now: Date): Promise<Omit<DeliveryRow, 'seq'>[]> {
  const nextAttemptAt = new Date(now.getTime() + ctx.firstAttemptAfterMs);
  const held = (d: Draft) => d.status === 'QUEUED' && ctx.receiptChannels.has(d.m.channel);
  // Every column is named, so what is published after commit is the row as stored.
  const rows: Omit<DeliveryRow, 'seq'>[] = drafts.map((d) => ({
    id: d.id,
    tenantId: scope.tenantId,
    eventId: d.e.id,
    eventType: d.e.type,
    channel: d.m.channel,
    recipient: d.m.recipient,
    recipientKind: d.m.recipientKind,
    recipientRef: d.m.recipientRef,
    language: d.m.language,
    status: d.status,
    reason: d.reason ?? null,
    providerMessageId: null,
    cost: d.status === 'QUEUED' ? (d.price ?? null) : null,
    renderedBody: d.content?.body ?? '',
    content: d.content?.content ?? null,
    attempts: held(d) ? 1 : 0,
    // The dispatcher sends at once; the retry sweep only picks a message up if that never happened.
    nextAttemptAt: d.status === 'QUEUED' ? nextAttemptAt : null,
    sendingSince: held(d) ? now : null,
    patientId: d.m.recipientKind === 'patient' && d.m.recipientRef.startsWith('patient:') ? d.m.recipientRef.slice('patient:'.length) : null,
    fallbackOf: null,
    deferredUntil: null,
    fallbackDueAt: null,
    createdAt: now,
    updatedAt: now,
  }));
  const drafted = new Map(drafts.map((d) => [d.id, d]));
  // Queued before their history rows (which reference them): the deferred writes keep that order.
  for (const row of rows) deferInsert(scope, deliveries, row);
  for (const row of rows) {
    const d = drafted.get(row.id)!;
    recordReport(scope, row.id, 'QUEUED', null, now);
    await audit(scope, { action: 'delivery.queued', entityType: 'delivery', entityId: row.id, details: { eventId: d.e.id, eventType: d.e.type, channel: d.m.channel, recipientKind: d.m.recipientKind } });
    if (row.status === 'QUEUED') continue;
    // Written final at once; history and audit still show it queued, then skipped or failed.
    recordReport(scope, row.id, row.status, row.reason, now);
    await statusMoved(scope, 'QUEUED', row, ctx.publishStatus);
  }
  return rows;
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
