import { and, inArray, sql } from 'drizzle-orm';
import { deliveries } from '../schema/index.js';
import type { TenantScope } from '../db/tenant.js';
import type { Bus } from '../events/bus.js';
import { ValidationError } from '../domain-errors.js';
import { isId } from '../validation.js';
import { audit } from './audit.service.js';
import { recordReportAtCommit } from './delivery-status.service.js';
import { NO_TIMER } from './fallback-due.usecase.js';
import { countDeliveries, deliveryFilterSql, statusPayload, type DeliveryFilter } from './deliveries.service.js';

/** At most this many deliveries are requeued by one call (a filter can match a tenant's whole history). */
export const RESEND_LIMIT = 5000;

export interface ResendResult {
  requeued: number;
  unchanged: number;
}

/**
 * Requeues SKIPPED and FAILED deliveries whose cause may have been fixed (credit topped up,
 * WhatsApp configured, the patient opted back in). They wait for release like a held message:
 * the policy and the WhatsApp charge run again there, once (the status guard below makes two
 * concurrent resends requeue a delivery once). Left unchanged: anything else, a message with
 * nothing rendered, one whose fallback is on its way (the patient would get both), and ids the
 * tenant cannot see (another tenant's are indistinguishable from unknown ones).
 */
export async function resendDeliveries(
  scope: TenantScope,
  req: { ids?: readonly string[] | null; filter?: DeliveryFilter | null },
  bus?: Bus,
): Promise<ResendResult> {
  if (!req.ids === !req.filter) throw new ValidationError('ids', 'Give either ids or filter');
  const ids = req.ids ? [...new Set(req.ids)] : null;
  if (ids && ids.length > RESEND_LIMIT) throw new ValidationError('ids', `At most ${RESEND_LIMIT} ids per call`);
  const now = new Date();
  const asked = ids ? ids.length : await countDeliveries(scope, req.filter!);
  const chosen = ids ? inArray(deliveries.id, ids.filter(isId)) : deliveryFilterSql(req.filter!);
  const candidates = scope.tx
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(
      and(
        chosen,
        sql`${deliveries.status} in ('SKIPPED', 'FAILED')`,
        sql`${deliveries.content} is not null`,
        sql`not exists (select 1 from ${deliveries} f where f.fallback_of = ${deliveries.id} and f.status not in ('SKIPPED', 'FAILED'))`,
      ),
    )
    .limit(RESEND_LIMIT);
  const rows = await scope.tx
    .update(deliveries)
    // A fallback marker still pending becomes timer-less: the resent message falls back if it is
    // skipped or fails again, never because the marker's time (its first skip) has passed.
    .set({
      status: 'QUEUED',
      reason: null,
      cost: null,
      providerMessageId: null,
      attempts: 0,
      sendingSince: null,
      deferredUntil: now,
      nextAttemptAt: now,
      updatedAt: now,
      fallbackDueAt: sql`case when ${deliveries.fallbackDueAt} is null then null else ${NO_TIMER.toISOString()}::timestamptz end`,
    })
    .where(and(inArray(deliveries.id, candidates), sql`${deliveries.status} in ('SKIPPED', 'FAILED')`))
    .returning();
  for (const row of rows) {
    recordReportAtCommit(scope, row.id, 'QUEUED', `resent by ${scope.actor}`, now);
    await audit(scope, {
      action: 'delivery.resend',
      entityType: 'delivery',
      entityId: row.id,
      details: { channel: row.channel, eventId: row.eventId },
    });
    if (bus) {
      const payload = statusPayload(row);
      scope.afterCommit(() => bus.publish('delivery.status', payload));
    }
  }
  return { requeued: rows.length, unchanged: Math.max(0, asked - rows.length) };
}
