import { randomUUID } from 'node:crypto';
import { and, eq, isNotNull, ne, notInArray, sql } from 'drizzle-orm';
import { deliveries, events } from '../schema/index.js';
import type { PlatformScope, TenantScope } from '../db/tenant.js';
import type { Bus } from '../events/bus.js';
import type { ChannelName } from '../events/catalogue.js';
import { audit } from './audit.service.js';
import { recordReportAtCommit, statusMoved, type StatusPublisher } from './delivery-status.service.js';
import type { DeliveryRow } from './deliveries.service.js';
import { fallbackFor, fallbackRulesFor, type FallbackRow } from './fallbacks.service.js';
import { patientMessagesOn } from './recipients.service.js';
import { privatePreviewsEnabled } from './reference-data.service.js';
import { renderMessage, tenantTemplates } from './rendering.service.js';
import { getTenant } from './tenants.service.js';

/** Skips the patient cannot fix alone: only these (and a permanent failure, or no receipt in time) fall back. */
export const FALLBACK_REASONS: ReadonlySet<string> = new Set([
  'OPTED_OUT',
  'NO_CONSENT',
  'WHATSAPP_DISABLED',
  'WHATSAPP_NOT_CONFIGURED',
  'NO_PRICE',
  'INSUFFICIENT_CREDIT',
  'TEMPLATE_NOT_APPROVED',
  'NO_CONTACT',
]);
/** The marker of a delivery a rule covers without a timer: it falls back only on a skip or a failure. */
export const NO_TIMER = new Date('9999-12-31T00:00:00Z');

/**
 * The fallback marker dispatch writes on a patient delivery a rule covers (fallback_due_at): when
 * to fall back if it is still not delivered, or at once for a skip that qualifies. Null: none.
 */
export function fallbackMarker(
  rule: Pick<FallbackRow, 'undeliveredAfterSeconds'> | null,
  status: string,
  reason: string | null | undefined,
  now: Date,
): Date | null {
  if (!rule) return null;
  if (status === 'SKIPPED') return reason && FALLBACK_REASONS.has(reason) ? now : null;
  if (status === 'FAILED') return now;
  return rule.undeliveredAfterSeconds ? new Date(now.getTime() + rule.undeliveredAfterSeconds * 1000) : NO_TIMER;
}

/** Deliveries whose fallback is due, of every tenant: skipped or failed ones with a marker, and timers run out. */
export async function dueFallbacks(
  scope: PlatformScope,
  now: Date,
  limit = 100,
): Promise<{ id: string; tenantId: string }[]> {
  const cols = { id: deliveries.id, tenantId: deliveries.tenantId };
  const ended = await scope.tx
    .select(cols)
    .from(deliveries)
    .where(and(isNotNull(deliveries.fallbackDueAt), sql`${deliveries.status} in ('SKIPPED', 'FAILED')`))
    .limit(limit);
  const late = await scope.tx
    .select(cols)
    .from(deliveries)
    .where(
      and(
        isNotNull(deliveries.fallbackDueAt),
        sql`${deliveries.status} in ('QUEUED', 'SENT')`,
        sql`${deliveries.fallbackDueAt} <= ${now.toISOString()}::timestamptz`,
      ),
    )
    .limit(limit);
  return [...ended, ...late];
}

export interface FallbackContext {
  publishStatus: StatusPublisher;
  bus: Bus;
  now: () => Date;
}

/**
 * Falls back for each delivery whose marker is due, in the caller's transaction: clearing the
 * marker is the claim, and the fallback row (unique per delivery and address) is written in the
 * same unit, so a crash at any point yields exactly one of "not yet" and "done". The new row waits
 * for release like a held message: consent, quiet hours and credit run there, on its own channel.
 */
export async function fallBack(scope: TenantScope, ctx: FallbackContext, ids: string[]): Promise<number> {
  let made = 0;
  for (const id of ids) {
    const now = ctx.now();
    const [row] = await scope.tx
      .update(deliveries)
      .set({ fallbackDueAt: null })
      .where(
        and(
          eq(deliveries.id, id),
          isNotNull(deliveries.fallbackDueAt),
          sql`(${deliveries.status} in ('SKIPPED', 'FAILED') or ${deliveries.fallbackDueAt} <= ${now.toISOString()}::timestamptz)`,
        ),
      )
      .returning();
    if (!row || !qualifies(row)) continue;
    const rule = fallbackFor(await fallbackRulesFor(scope), row.eventType, row.channel);
    if (!rule || (await reachedOn(scope, row, rule.toChannel))) continue;
    if (row.status === 'QUEUED' && !(await giveUpFirst(scope, ctx, row, rule, now))) continue;
    made += await insertFallback(scope, ctx, row, rule.toChannel, now);
  }
  return made;
}

function qualifies(row: DeliveryRow): boolean {
  if (row.fallbackOf || row.recipientKind !== 'patient' || !row.patientId) return false;
  if (row.status === 'SKIPPED') return FALLBACK_REASONS.has(row.reason ?? '');
  return row.status === 'FAILED' || row.status === 'QUEUED' || row.status === 'SENT';
}

/** The event's own messages already reach the patient on `to` (not skipped, not failed): no fallback then. */
async function reachedOn(scope: TenantScope, row: DeliveryRow, to: ChannelName): Promise<boolean> {
  const [hit] = await scope.tx
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.eventId, row.eventId),
        eq(deliveries.recipientRef, row.recipientRef!),
        eq(deliveries.channel, to),
        ne(deliveries.id, row.id),
        notInArray(deliveries.status, ['SKIPPED', 'FAILED']),
      ),
    )
    .limit(1);
  return hit !== undefined;
}

/**
 * A timer ran out on a message still QUEUED (retrying, or held): one not yet sent is ended FAILED
 * so that it can never go after its fallback. One being sent right now, or held by quiet hours,
 * is looked at again later (its marker is moved on).
 */
async function giveUpFirst(
  scope: TenantScope,
  ctx: FallbackContext,
  row: DeliveryRow,
  rule: FallbackRow,
  now: Date,
): Promise<boolean> {
  // A retry's backoff sets deferredUntil too (release re-runs the gates): only a quiet-hours hold
  // (its reason says so, see release.ts `hold` and dispatch's applyDecision) moves the timer on.
  const quiet = row.deferredUntil && row.deferredUntil > now && row.reason?.startsWith('QUIET_HOURS:');
  const later = row.sendingSince
    ? new Date(now.getTime() + 5_000)
    : quiet
      ? new Date(row.deferredUntil!.getTime() + (rule.undeliveredAfterSeconds ?? 0) * 1000)
      : null;
  if (later) {
    await scope.tx.update(deliveries).set({ fallbackDueAt: later }).where(eq(deliveries.id, row.id));
    return false;
  }
  const reason = `UNDELIVERED: not delivered within ${rule.undeliveredAfterSeconds} s; sent on ${rule.toChannel} instead`;
  const moved = await scope.tx
    .update(deliveries)
    .set({ status: 'FAILED', reason, nextAttemptAt: null, deferredUntil: null, updatedAt: now })
    .where(and(eq(deliveries.id, row.id), eq(deliveries.status, 'QUEUED'), sql`${deliveries.sendingSince} is null`))
    .returning();
  if (!moved[0]) return false;
  recordReportAtCommit(scope, row.id, 'FAILED', reason, now);
  // Audited, refunded if it was paid for, and published, as every move is.
  await statusMoved(scope, 'QUEUED', moved[0], ctx.publishStatus, ctx.bus);
  return true;
}

/** The same message, rendered for `to`, to the same patient: QUEUED and waiting for release, linked by fallbackOf. */
async function insertFallback(
  scope: TenantScope,
  ctx: FallbackContext,
  row: DeliveryRow,
  to: ChannelName,
  now: Date,
): Promise<number> {
  const [event] = await scope.tx.select({ data: events.data }).from(events).where(eq(events.id, row.eventId));
  if (!event) return 0;
  const tenant = await getTenant(scope);
  const template = await tenantTemplates(scope);
  const render = { privatePreviews: await privatePreviewsEnabled(scope) };
  const planned = patientMessagesOn(event.data, row.patientId!, to, row.language);
  const values = planned.map((m) => {
    const rendered = m.skip
      ? null
      : renderMessage(template(row.eventType, to, m.language), tenant, row.eventType, event.data, m, render);
    const status = m.skip ? 'SKIPPED' : rendered?.ok ? 'QUEUED' : 'FAILED';
    const reason = m.skip ?? (rendered && !rendered.ok ? rendered.reason : null);
    const ok = rendered?.ok ? rendered : null;
    return {
      id: randomUUID(),
      tenantId: scope.tenantId,
      eventId: row.eventId,
      eventType: row.eventType,
      channel: to,
      recipient: m.recipient,
      recipientKind: 'patient',
      recipientRef: row.recipientRef,
      language: m.language,
      status,
      reason,
      renderedBody: ok?.body ?? '',
      content: ok?.content ?? null,
      attempts: 0,
      nextAttemptAt: status === 'QUEUED' ? now : null,
      deferredUntil: status === 'QUEUED' ? now : null,
      patientId: row.patientId,
      fallbackOf: row.id,
      createdAt: now,
      updatedAt: now,
    } as const;
  });
  if (values.length === 0) return 0;
  const inserted = await scope.tx.insert(deliveries).values(values).onConflictDoNothing().returning();
  for (const r of inserted) {
    recordReportAtCommit(
      scope,
      r.id,
      'QUEUED',
      `fallback for ${row.id} (${row.channel}: ${row.reason ?? row.status})`,
      now,
    );
    if (r.status !== 'QUEUED') recordReportAtCommit(scope, r.id, r.status, r.reason, now);
    await audit(scope, {
      action: 'delivery.fallback',
      entityType: 'delivery',
      entityId: r.id,
      details: { fallbackOf: row.id, from: row.channel, to, eventId: row.eventId, status: r.status },
    });
    scope.afterCommit(() => ctx.publishStatus(r));
  }
  return inserted.length;
}
