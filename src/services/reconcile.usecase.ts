import { and, eq } from 'drizzle-orm';
import type { TenantScope } from '../db/tenant.js';
import type { Bus } from '../events/bus.js';
import { deliveries } from '../schema/index.js';
import { getDelivery } from './deliveries.service.js';
import { recordReportAtCommit, recordStatus, type StatusPublisher } from './delivery-status.service.js';

export interface ReconcileContext {
  bus: Bus;
  publishStatus: StatusPublisher;
  /** Channels whose provider reports every accepted message back (KABAR_RECEIPT_CHANNELS). */
  receiptChannels: ReadonlySet<string>;
  maxAttempts: number;
  now: () => Date;
}

/** What became of an interrupted send; null when it had settled meanwhile. */
export type Reconciled = { kind: 'resend' | 'failed'; channel: string; attempt: number } | null;

/**
 * A send still "sending" after the lease was cut off by a crash. A provider that reports every
 * accepted message back would have settled it by now through its webhook, so no receipt means it
 * never arrived and it is sent again (while attempts remain); without receipts (push) it ends
 * FAILED, since resending could duplicate it.
 */
export async function reconcileInterrupted(scope: TenantScope, ctx: ReconcileContext, id: string): Promise<Reconciled> {
  const row = await getDelivery(scope, id);
  if (row?.status !== 'QUEUED' || !row.sendingSince || row.providerMessageId) return null;
  const receipts = ctx.receiptChannels.has(row.channel);
  const outcome = { channel: row.channel, attempt: row.attempts };
  if (receipts && row.attempts < ctx.maxAttempts) {
    const now = ctx.now();
    const reason = `attempt ${row.attempts} was cut off and the provider never reported it; resending`;
    await scope.tx
      .update(deliveries)
      .set({ sendingSince: null, nextAttemptAt: now, reason, updatedAt: now })
      .where(and(eq(deliveries.id, id), eq(deliveries.sendingSince, row.sendingSince)));
    recordReportAtCommit(scope, id, 'QUEUED', reason, now);
    return { kind: 'resend', ...outcome };
  }
  const reason = receipts
    ? `INTERRUPTED: attempt ${row.attempts} was cut off and the provider never reported it; gave up`
    : 'INTERRUPTED: the send was cut off and this provider reports no receipts, so it may or may not have arrived; ' +
      'not resent to avoid a duplicate';
  const change = { status: 'FAILED' as const, reason, patch: { sendingSince: null, nextAttemptAt: null } };
  await recordStatus(scope, row, change, ctx.publishStatus, ctx.bus);
  return { kind: 'failed', ...outcome };
}
