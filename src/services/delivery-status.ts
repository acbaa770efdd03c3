import { and, eq } from 'drizzle-orm';
import { deliveries, deliveryStatusHistory } from '../schema/index.js';
import { deferInsert } from '../db/deferred.js';
import type { TenantScope } from '../db/tenant.js';
import type { DeliveryRow } from './deliveries.js';
import type { Bus } from '../events/bus.js';
import { audit } from './audit.js';
import { refundDelivery } from './credits.js';

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
export async function recordStatus(scope: TenantScope, current: Pick<DeliveryRow, 'id' | 'status'>, change: StatusChange, publish?: StatusPublisher, bus?: Bus): Promise<DeliveryRow | null> {
  const at = change.at ?? new Date();
  recordReport(scope, current.id, change.status, change.reason ?? null, at);
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
export function recordReport(scope: TenantScope, deliveryId: string, status: Status, reason: string | null, at: Date): void {
  deferInsert(scope, deliveryStatusHistory, { tenantId: scope.tenantId, deliveryId, status, reason, at });
}

/**
 * What follows every move of a delivery's status, whichever path moved it (a report, the
 * providers' answers to a batch, dispatch writing a message SKIPPED or FAILED at once): an audit
 * entry, the live status after commit, and for a charged WhatsApp message that FAILED its charge
 * back, whoever reported the failure (Meta bills delivered messages only).
 */
export async function statusMoved(scope: TenantScope, from: Status, row: Omit<DeliveryRow, 'seq'>, publish?: StatusPublisher, bus?: Bus): Promise<void> {
  await audit(scope, {
    action: `delivery.${row.status.toLowerCase()}`,
    entityType: 'delivery',
    entityId: row.id,
    details: { from, to: row.status, reason: row.reason, channel: row.channel, eventId: row.eventId },
  });
  if (row.status === 'FAILED' && row.channel === 'WHATSAPP' && row.cost !== null) await refundDelivery(scope, row.id, `Refund: ${row.reason ?? 'failed'}`.slice(0, 500), bus);
  if (publish) scope.afterCommit(() => publish(row));
}

/** The delivery a provider's message id belongs to, inside the tenant. */
export async function deliveryByProviderId(scope: TenantScope, providerMessageId: string): Promise<DeliveryRow | undefined> {
  const [row] = await scope.tx.select().from(deliveries).where(eq(deliveries.providerMessageId, providerMessageId));
  return row;
}
