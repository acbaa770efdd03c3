import { and, eq, sql } from 'drizzle-orm';
import { auditLog, deliveries, deliveryStatusHistory } from '../schema/index.js';
import { fromDriver, idList } from '../db/bulk.js';
import type { TenantScope } from '../db/tenant.js';
import type { Bus } from '../events/bus.js';
import { audit } from './audit.service.js';
import { refundDelivery } from './credits.service.js';

// As deliveries.ts defines it (importing it from there would make an import cycle).
type DeliveryRow = typeof deliveries.$inferSelect;
export type Status = DeliveryRow['status'];

// Status only moves forward: QUEUED < SENT < DELIVERED < READ. FAILED and SKIPPED end a
// delivery, but a provider saying "failed" after "delivered" cannot undo the delivery.
const RANK: Record<Status, number> = { QUEUED: 0, SENT: 1, DELIVERED: 2, READ: 3, FAILED: 1.5, SKIPPED: 9 };

export function movesForward(from: Status, to: Status): boolean {
  if (from === to) return false;
  if (from === 'SKIPPED' || from === 'FAILED' || from === 'READ') return false;
  if (to === 'FAILED') return from === 'QUEUED' || from === 'SENT';
  return RANK[to] > RANK[from];
}

/** Publishes a delivery's change after commit: the in-process bus (GraphQL) and, in servers mode, Kafka. */
export type StatusPublisher = (row: Omit<DeliveryRow, 'seq'>) => void;

export interface StatusChange {
  status: Status;
  reason?: string | null;
  at?: Date;
  /** Extra columns to set with a forward move (provider id, cost…). */
  patch?: Partial<Pick<DeliveryRow, 'providerMessageId' | 'nextAttemptAt' | 'sendingSince' | 'attempts'>>;
}

/**
 * Records a status report. History keeps every report, even a late one; the delivery's status
 * changes only when the report moves it forward. Returns the row when it changed.
 */
export async function recordStatus(
  scope: TenantScope,
  current: Pick<DeliveryRow, 'id' | 'status'>,
  change: StatusChange,
  publish?: StatusPublisher,
  bus?: Bus,
): Promise<DeliveryRow | null> {
  const at = change.at ?? new Date();
  recordReportAtCommit(scope, current.id, change.status, change.reason ?? null, at);
  if (!movesForward(current.status, change.status)) return null;
  const [row] = await scope.tx
    .update(deliveries)
    .set({ status: change.status, reason: change.reason ?? null, updatedAt: new Date(), ...change.patch })
    // Guard on the status we read: a concurrent report that already moved it wins.
    .where(and(eq(deliveries.id, current.id), eq(deliveries.status, current.status)))
    .returning();
  if (!row) return null;
  await statusMoved(scope, current.status, row, publish, bus);
  return row;
}

/** A line of a delivery's history (written with the unit of work's other rows, in one statement). */
export function recordReportAtCommit(
  scope: TenantScope,
  deliveryId: string,
  status: Status,
  reason: string | null,
  at: Date,
): void {
  scope.atCommit.insert(deliveryStatusHistory, { tenantId: scope.tenantId, deliveryId, status, reason, at });
}

/**
 * What follows every move of a delivery's status, whichever path moved it (a report, a
 * provider's failure, dispatch writing a message SKIPPED or FAILED at once; recordSentAtCommit does the
 * same in SQL for a batch of acceptances): an audit entry, the live status after commit, and
 * for a charged WhatsApp message that FAILED (or was SKIPPED at its release) its charge back, whoever reported the failure (Meta
 * bills delivered messages only).
 */
export async function statusMoved(
  scope: TenantScope,
  from: Status,
  row: Omit<DeliveryRow, 'seq'>,
  publish?: StatusPublisher,
  bus?: Bus,
): Promise<void> {
  await audit(scope, {
    action: `delivery.${row.status.toLowerCase()}`,
    entityType: 'delivery',
    entityId: row.id,
    details: { from, to: row.status, reason: row.reason, channel: row.channel, eventId: row.eventId },
  });
  // A message paid for and then skipped at its release (the patient opted out meanwhile) is refunded too.
  if ((row.status === 'FAILED' || row.status === 'SKIPPED') && row.channel === 'WHATSAPP' && row.cost !== null)
    await refundDelivery(scope, row.id, `Refund: ${row.reason ?? 'failed'}`.slice(0, 500), bus);
  if (publish) scope.afterCommit(() => publish(row));
}

/**
 * The providers' acceptances of a batch (delivery id → provider message id). History keeps
 * every report; each delivery still QUEUED becomes SENT (a receipt that already moved one on
 * wins) with its audit entry, in one statement that goes out with the COMMIT, and what moved
 * is published after commit. What statusMoved does for a move, written in SQL: nothing reads
 * the rows before commit, so the unit waits for no answer (and a SENT move refunds nothing).
 */
export function recordSentAtCommit(
  scope: TenantScope,
  sent: Map<string, string>,
  at: Date,
  publish?: StatusPublisher,
): void {
  for (const id of sent.keys()) recordReportAtCommit(scope, id, 'SENT', null, at);
  // Written as text rather than with drizzle's update builder: the dispatcher runs it for every
  // chunk of sends, and building it was a few percent of its CPU. Each row's provider id comes
  // from one JSON parameter, the ids from one list: one statement text for any batch.
  const when = at.toISOString();
  const moved = scope.atCommit.returning(sql`with moved as (
    update ${deliveries} set "status" = 'SENT', "reason" = null, "provider_message_id" = (${JSON.stringify(Object.fromEntries(sent))}::jsonb ->> "id"::text),
      "sending_since" = null, "next_attempt_at" = null, "updated_at" = ${when}::timestamptz
    where "id" = ${idList([...sent.keys()])} and "status" = 'QUEUED' returning *
  ), audited as (
    insert into ${auditLog} (tenant_id, at, actor, action, entity_type, entity_id, details)
    select tenant_id, ${when}::timestamptz, ${scope.actor}::text, 'delivery.sent', 'delivery', id::text,
      jsonb_build_object('from', 'QUEUED', 'to', status, 'reason', reason, 'channel', channel, 'eventId', event_id) from moved
  ) select * from moved`);
  if (publish) scope.afterCommit(async () => fromDriver(deliveries, await moved).forEach((row) => publish(row)));
}

/** The delivery a provider's message id belongs to, inside the tenant. */
export async function deliveryByProviderId(
  scope: TenantScope,
  providerMessageId: string,
): Promise<DeliveryRow | undefined> {
  const [row] = await scope.tx.select().from(deliveries).where(eq(deliveries.providerMessageId, providerMessageId));
  return row;
}
