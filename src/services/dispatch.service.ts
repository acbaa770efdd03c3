import { randomUUID } from 'node:crypto';
import { deliveries, events } from '../schema/index.js';
import { insertMany } from '../db/bulk.js';
import type { TenantScope } from '../db/tenant.js';
import type { SecretBox } from '../crypto.js';
import type { Bus } from '../events/bus.js';
import { audit } from './audit.service.js';
import { chargeWhatsApp, whatsAppPricer, type DerivedEvent } from './charge.service.js';
import { recordReportAtCommit, statusMoved, type StatusPublisher } from './delivery-status.service.js';
import type { DeliveryRow } from './deliveries.service.js';
import type { EventEnvelope } from '../events/envelope.js';
import { planMessages, type PlannedMessage } from './recipients.service.js';
import { applySchedulingEffects } from './scheduling.service.js';
import { applyPreferenceEvent } from './preferences.service.js';
import { cachedConfig } from './config-cache.service.js';
import { renderMessage, tenantTemplates, type Rendered } from './rendering.service.js';
import { privatePreviewsEnabled } from './reference-data.service.js';
import { getTenantIfExists } from './tenants.service.js';
import { phonesForDispatch } from './event-phones.service.js';
import { patientsIn, rememberPatients } from './patients.service.js';
import { loadPolicy, patientIdOf, policyFor } from './patient-policy.service.js';
import type { PolicyDecision } from './policy.service.js';
import { fallbackMarker } from './fallback-due.usecase.js';
import { fallbackFor, fallbackRulesFor } from './fallbacks.service.js';

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

export type { DerivedEvent };

/** Hands one of Kabar's own events to dispatch (in any role: the API process dispatches it too). */
export type EmitInternal = (tenantId: string, e: DerivedEvent) => Promise<void>;

/** What became of one event: new (its deliveries are recorded), seen before, for no known tenant, or refused (a bad phone). */
export type DispatchOutcome =
  | { kind: 'dispatched' | 'duplicate' | 'unknown-tenant' }
  | { kind: 'invalid'; reason: string };

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
  patientId: string | null;
  /** Held by quiet hours until then: written QUEUED, neither charged nor sent before. */
  holdUntil?: Date;
}

/**
 * Turns a tenant's events into delivery rows, durably and idempotently, in the caller's one
 * transaction: the event rows are the dedupe guard (an event whose row exists was fully
 * handled), and every message is written once with its final status: QUEUED, or SKIPPED/FAILED
 * with a reason. WhatsApp messages are debited in the same transaction, in order, while the
 * balance allows. Everything is written with one multi-row statement per table, not per message.
 */
export async function dispatchEvents(
  scope: TenantScope,
  ctx: DispatchContext,
  input: EventEnvelope[],
): Promise<BatchOutcome> {
  const tenant = await cachedConfig(scope, 'tenant', () => getTenantIfExists(scope));
  if (!tenant) return { outcomes: input.map(() => ({ kind: 'unknown-tenant' })), queued: [], held: [], derived: [] };
  // Phones as E.164, national numbers read in the tenant's country; an event with a bad one is refused.
  const checked = phonesForDispatch(input, tenant.country);
  const list = checked.flatMap((c) => (c.ok ? [c.event] : []));
  const now = ctx.now();
  const fresh = await insertEvents(scope, list, now);
  const derived: DerivedEvent[] = [];
  const drafts: Draft[] = [];
  const template = await tenantTemplates(scope);
  // Read once per batch from the tenant's cached reference data, like the templates.
  const render = { privatePreviews: await privatePreviewsEnabled(scope) };
  const sightings = [...fresh.values()].flatMap((data) => patientsIn(data));
  rememberPatients(scope, sightings, now);
  const policy = await loadPolicy(
    scope,
    sightings.map((p) => p.id),
    tenant.timezone,
  );
  const price = whatsAppPricer(scope, ctx.box, now);
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
      const rendered = m.skip
        ? null
        : renderMessage(template(e.type, m.channel, m.language), tenant, e.type, data, m, render);
      const draft = toDraft(e, m, rendered);
      if (draft.status === 'QUEUED')
        applyDecision(
          draft,
          policyFor(
            policy,
            { channel: m.channel, recipientKind: m.recipientKind, patientId: draft.patientId, eventType: e.type },
            data,
            now,
          ),
        );
      if (draft.status === 'QUEUED' && !draft.holdUntil && rendered?.ok && rendered.content.channel === 'WHATSAPP') {
        const priced = await price(rendered.content);
        if ('skip' in priced) Object.assign(draft, { status: 'SKIPPED', reason: priced.skip });
        else draft.price = priced.price;
      }
      drafts.push(draft);
    }
  }
  const billable = drafts.flatMap((d) =>
    d.price !== undefined ? [{ id: d.id, price: d.price, eventType: d.e.type }] : [],
  );
  const { refused, alert } = await chargeWhatsApp(scope, ctx, tenant, billable, now);
  for (const d of drafts)
    if (refused.has(d.id)) Object.assign(d, { status: 'SKIPPED', reason: 'INSUFFICIENT_CREDIT', price: undefined });
  if (alert) derived.push(alert);
  const rows = await insertDeliveries(scope, ctx, drafts, now);
  const queued = rows.filter((r) => r.status === 'QUEUED');
  return {
    outcomes: checked.map(
      (c): DispatchOutcome =>
        c.ok ? { kind: fresh.has(c.event) ? 'dispatched' : 'duplicate' } : { kind: 'invalid', reason: c.reason },
    ),
    queued: queued.filter((r) => !r.sendingSince && !r.deferredUntil).map((r) => r.id),
    held: queued.filter((r) => r.sendingSince),
    derived,
  };
}

/** Records the events not seen before (the first of two with one id wins); returns them with their stored data. */
async function insertEvents(scope: TenantScope, list: EventEnvelope[], now: Date): Promise<Map<EventEnvelope, object>> {
  const firsts = new Map<string, EventEnvelope>();
  for (const e of list) if (!firsts.has(e.id)) firsts.set(e.id, e);
  // A copy through JSON is what jsonb stores (undefined dropped, dates as strings): rendering sees the same.
  const rows = [...firsts.values()].map((e) => ({
    tenantId: scope.tenantId,
    id: e.id,
    type: e.type,
    occurredAt: e.occurredAt,
    data: JSON.parse(JSON.stringify(e.data ?? {})) as object,
    processedAt: now,
  }));
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
  const base = { id: randomUUID(), e, m, patientId: patientIdOf(m.recipientRef, m.recipientKind) };
  if (m.skip) return { ...base, content: null, status: 'SKIPPED', reason: m.skip };
  if (!rendered!.ok) return { ...base, content: null, status: 'FAILED', reason: rendered!.reason };
  return { ...base, content: rendered!, status: 'QUEUED' };
}

/** The patient's policy, as data: a skip is a row with its reason, a hold a QUEUED row with its time. */
function applyDecision(d: Draft, decision: PolicyDecision): void {
  if (decision.kind === 'skip') Object.assign(d, { status: 'SKIPPED', reason: decision.reason });
  else if (decision.kind === 'hold')
    Object.assign(d, { holdUntil: decision.until, reason: `QUIET_HOURS: held until ${decision.until.toISOString()}` });
}

/** The deliveries, their QUEUED (and final) history rows and audit entries: one statement each, sent together at commit. */
async function insertDeliveries(
  scope: TenantScope,
  ctx: DispatchContext,
  drafts: Draft[],
  now: Date,
): Promise<Omit<DeliveryRow, 'seq'>[]> {
  const nextAttemptAt = new Date(now.getTime() + ctx.firstAttemptAfterMs);
  const rules = await fallbackRulesFor(scope);
  const marker = (d: Draft) =>
    d.patientId && rules.length
      ? fallbackMarker(fallbackFor(rules, d.e.type, d.m.channel), d.status, d.reason, now)
      : null;
  const held = (d: Draft) => d.status === 'QUEUED' && !d.holdUntil && ctx.receiptChannels.has(d.m.channel);
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
    nextAttemptAt: d.status === 'QUEUED' ? (d.holdUntil ?? nextAttemptAt) : null,
    sendingSince: held(d) ? now : null,
    patientId: d.patientId,
    fallbackOf: null,
    deferredUntil: d.holdUntil ?? null,
    fallbackDueAt: marker(d),
    createdAt: now,
    updatedAt: now,
  }));
  const drafted = new Map(drafts.map((d) => [d.id, d]));
  // Queued before their history rows (which reference them): the writes at commit keep that order.
  for (const row of rows) scope.atCommit.insert(deliveries, row);
  for (const row of rows) {
    const d = drafted.get(row.id)!;
    recordReportAtCommit(scope, row.id, 'QUEUED', null, now);
    await audit(scope, {
      action: 'delivery.queued',
      entityType: 'delivery',
      entityId: row.id,
      details: { eventId: d.e.id, eventType: d.e.type, channel: d.m.channel, recipientKind: d.m.recipientKind },
    });
    if (row.status === 'QUEUED') continue;
    // Written final at once; history and audit still show it queued, then skipped or failed.
    recordReportAtCommit(scope, row.id, row.status, row.reason, now);
    await statusMoved(scope, 'QUEUED', row, ctx.publishStatus);
  }
  return rows;
}
