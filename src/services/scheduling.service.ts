import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { reminders, walkinAlerts } from '../schema/index.js';
import type { PlatformScope, TenantScope } from '../db/tenant.js';
import type { EventEnvelope } from '../events/envelope.js';
import type { DerivedEvent } from './charge.service.js';
import { cachedReferenceValue } from './reference-data.service.js';

import { REMINDER_OFFSETS_KEY, WALKIN_THRESHOLD_KEY } from './reference-data-keys.service.js';
const DEFAULT_OFFSETS = [24 * 60, 120, 30];
const DEFAULT_THRESHOLD = 3;
const ENDS_APPOINTMENT = new Set([
  'appointment.cancelled',
  'appointment.rejected',
  'appointment.no_show',
  'appointment.completed',
]);

// biome-ignore lint/suspicious/noExplicitAny: schemaless JSON (event data, JSON Schemas) read by key
type Obj = Record<string, any>;

export async function reminderOffsets(scope: TenantScope): Promise<number[]> {
  const raw = await cachedReferenceValue(scope, REMINDER_OFFSETS_KEY);
  const parsed = raw
    ?.split(',')
    .map((v) => Number(v.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && n <= 60 * 24 * 60);
  return parsed?.length ? [...new Set(parsed)] : DEFAULT_OFFSETS;
}

/**
 * What an event changes in Kabar's own schedule: confirmation schedules reminders, rescheduling
 * moves them, the end of an appointment cancels the pending ones, and a queue update may derive
 * walkin.approaching_turn (once per token). Runs inside the event's dispatch transaction.
 */
export async function applySchedulingEffects(scope: TenantScope, e: EventEnvelope, now: Date): Promise<DerivedEvent[]> {
  const data = (e.data ?? {}) as Obj;
  const appointmentId = data.appointment?.id as string | undefined;
  if ((e.type === 'appointment.confirmed' || e.type === 'appointment.rescheduled') && appointmentId) {
    await scheduleReminders(scope, e, appointmentId, data, now);
  } else if (ENDS_APPOINTMENT.has(e.type) && appointmentId) {
    scope.atCommit.write(
      reminders,
      scope.tx
        .update(reminders)
        .set({ status: 'CANCELLED', updatedAt: now })
        .where(and(eq(reminders.appointmentId, appointmentId), eq(reminders.status, 'PENDING'))),
    );
  } else if (e.type === 'walkin.queue_updated') {
    return approachingTurn(scope, data);
  }
  return [];
}

async function scheduleReminders(scope: TenantScope, e: EventEnvelope, appointmentId: string, data: Obj, now: Date) {
  const slot = new Date(String(data.appointment?.slotStart));
  if (Number.isNaN(slot.getTime())) return;
  const offsets = await reminderOffsets(scope);
  const future = offsets.filter((m) => slot.getTime() - m * 60_000 > now.getTime());
  // Offsets already in the past are skipped, and reminders of the old slot no longer wanted are cancelled.
  // Nothing in the unit reads reminders back, so both writes wait for the unit's end (in order).
  scope.atCommit.write(
    reminders,
    scope.tx
      .update(reminders)
      .set({ status: 'CANCELLED', updatedAt: now })
      .where(
        and(
          eq(reminders.appointmentId, appointmentId),
          eq(reminders.status, 'PENDING'),
          future.length
            ? sql`${reminders.offsetMinutes} not in (${sql.join(
                future.map((f) => sql`${f}`),
                sql`, `,
              )})`
            : undefined,
        ),
      ),
  );
  if (future.length === 0) return;
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  scope.atCommit.write(
    reminders,
    scope.tx
      .insert(reminders)
      .values(
        future.map((offsetMinutes) => ({
          tenantId: scope.tenantId,
          appointmentId,
          offsetMinutes,
          fireAt: new Date(slot.getTime() - offsetMinutes * 60_000),
          data,
          sourceEventId: e.id,
          updatedAt: now,
        })),
      )
      .onConflictDoUpdate({
        target: [reminders.tenantId, reminders.appointmentId, reminders.offsetMinutes],
        set: {
          fireAt: excluded('fire_at'),
          data: excluded('data'),
          sourceEventId: excluded('source_event_id'),
          status: 'PENDING',
          firedAt: null,
          updatedAt: now,
        },
        // A repeated confirmation of the same slot must not re-arm a reminder already sent.
        setWhere: sql`${reminders.status} <> 'FIRED' or ${reminders.fireAt} <> ${excluded('fire_at')}`,
      }),
  );
}

async function approachingTurn(scope: TenantScope, data: Obj): Promise<DerivedEvent[]> {
  const position = Number(data.walkIn?.position);
  const raw = Number(await cachedReferenceValue(scope, WALKIN_THRESHOLD_KEY));
  const threshold = Number.isInteger(raw) && raw >= 0 ? raw : DEFAULT_THRESHOLD;
  if (!(position > 0 && position <= threshold)) return [];
  const key = {
    centreId: String(data.centre?.id),
    queueName: String(data.walkIn?.queueName),
    tokenNumber: String(data.walkIn?.tokenNumber),
  };
  const fired = await scope.tx
    .insert(walkinAlerts)
    .values({ tenantId: scope.tenantId, ...key })
    .onConflictDoNothing()
    .returning();
  if (fired.length === 0) return [];
  return [
    {
      id: `walkin.approaching_turn:${key.centreId}:${key.queueName}:${key.tokenNumber}`,
      type: 'walkin.approaching_turn',
      data: { patient: data.patient, walkIn: data.walkIn, centre: data.centre, threshold },
    },
  ];
}

export type DueReminder = typeof reminders.$inferSelect;

/**
 * Leases due reminders of every tenant. SKIP LOCKED keeps schedulers off each other's rows;
 * the lease (firedAt) expires so a scheduler that died mid-way is taken over. Firing is
 * idempotent anyway: the reminder's event id is deterministic.
 */
export async function leaseDueReminders(
  scope: PlatformScope,
  now: Date,
  limit = 100,
  leaseMs = 60_000,
): Promise<DueReminder[]> {
  const candidates = scope.tx
    .select({ id: reminders.id })
    .from(reminders)
    .where(
      and(
        eq(reminders.status, 'PENDING'),
        lte(reminders.fireAt, now),
        or(isNull(reminders.firedAt), lt(reminders.firedAt, new Date(now.getTime() - leaseMs))),
      ),
    )
    .orderBy(asc(reminders.fireAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  return scope.tx.update(reminders).set({ firedAt: now }).where(inArray(reminders.id, candidates)).returning();
}

export async function markFired(scope: PlatformScope, id: string, now: Date): Promise<void> {
  await scope.tx
    .update(reminders)
    .set({ status: 'FIRED', firedAt: now, updatedAt: now })
    .where(and(eq(reminders.id, id), eq(reminders.status, 'PENDING')));
}

/** The reminder as an event: the confirmed appointment's data plus the offset. */
export function reminderEvent(r: DueReminder): { id: string; type: string; data: unknown } {
  return {
    id: `appointment.reminder:${r.appointmentId}:${r.offsetMinutes}:${r.fireAt.getTime()}`,
    type: 'appointment.reminder',
    data: { ...(r.data as Obj), offsetMinutes: r.offsetMinutes },
  };
}
