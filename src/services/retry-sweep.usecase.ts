import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { PlatformScope } from '../db/tenant.js';
import { deliveries } from '../schema/index.js';

/** A delivery the retry sweep takes (of any tenant). */
export interface SweepItem {
  id: string;
  tenantId: string;
  sendingSince: Date | null;
  deferredUntil: Date | null;
}

/** What the sweep does with what is due: each item goes exactly one way. */
export interface SweepPlan {
  /** Still "sending" after the lease: a crash cut the send off (src/services/reconcile.usecase.ts). */
  interrupted: SweepItem[];
  /** A scheduled retry, or a first attempt that never happened: sent again. */
  retry: SweepItem[];
  /** Messages that waited (quiet hours, a backoff, a resend, a fallback), by tenant: released. */
  waited: Map<string, string[]>;
}

/**
 * Deliveries of every tenant the sweep must take: QUEUED ones whose next attempt is due and
 * nobody is sending, and sends still "sending" after the send lease (cut off by a crash).
 */
export async function dueForSweep(
  scope: PlatformScope,
  at: Date,
  sendLeaseMs: number,
  limit: number,
): Promise<SweepItem[]> {
  const leaseStart = new Date(at.getTime() - sendLeaseMs).toISOString();
  const d = deliveries;
  return scope.tx
    .select({ id: d.id, tenantId: d.tenantId, sendingSince: d.sendingSince, deferredUntil: d.deferredUntil })
    .from(d)
    .where(
      and(
        eq(d.status, 'QUEUED'),
        isNotNull(d.nextAttemptAt),
        sql`(${d.sendingSince} is null and ${d.nextAttemptAt} <= ${at.toISOString()}::timestamptz)
          or ${d.sendingSince} < ${leaseStart}::timestamptz`,
      ),
    )
    .limit(limit);
}

/** Sorts what is due into the sweep's three ways. */
export function planSweep(due: SweepItem[]): SweepPlan {
  const plan: SweepPlan = { interrupted: [], retry: [], waited: new Map() };
  for (const d of due) {
    if (d.sendingSince) plan.interrupted.push(d);
    else if (d.deferredUntil) plan.waited.set(d.tenantId, [...(plan.waited.get(d.tenantId) ?? []), d.id]);
    else plan.retry.push(d);
  }
  return plan;
}

/** Ids grouped by tenant (each tenant's work goes in its own transaction). */
export function byTenant(rows: { id: string; tenantId: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.tenantId, [...(out.get(r.tenantId) ?? []), r.id]);
  return out;
}
