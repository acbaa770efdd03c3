import type { Core } from './core.js';
import { withPlatform, withTenant, type PlatformScope, type TenantScope } from './db/tenant.js';
import type { EventEnvelope } from './events/envelope.js';
import { createLoop } from './loop.js';
import { timedHandleMany } from './metrics.js';
import { createSendPool } from './send-pool.js';
import type { DerivedEvent } from './services/charge.service.js';
import { statusPayload } from './services/deliveries.service.js';
import type { StatusPublisher } from './services/delivery-status.service.js';
import { dispatchEvents, type DispatchOutcome, type EmitInternal } from './services/dispatch.service.js';
import { dueFallbacks, fallBack, type FallbackContext } from './services/fallback-due.usecase.js';
import { reconcileInterrupted, type ReconcileContext } from './services/reconcile.usecase.js';
import { releaseHeld, type ReleaseContext } from './services/release.usecase.js';
import { byTenant, dueForSweep, planSweep } from './services/retry-sweep.usecase.js';
import { callsFor, type SendContext } from './services/sender.service.js';
import { pruneWebhookReceipts } from './services/webhooks.service.js';

/**
 * The dispatch runtime: the same entry for a Kafka message, the HTTP ingest in embedded mode
 * and Kabar's own follow-up events. `handle` returns once the event's outcome is durable and
 * its messages have had their first attempt (or, for WhatsApp messages over Meta's pace, have
 * been scheduled for it); transient failures are left to the retry sweep. The work itself is in
 * the use cases (services/dispatch, release, fallback-due, retry-sweep, reconcile); this wires
 * them to transactions, the send pool and the sweep's loop.
 */
export function createDispatcher(core: Core) {
  const { config: c, bus, box, now, logger: log } = core;
  const publishStatus: StatusPublisher = (row) => bus.publish('delivery.status', statusPayload(row));
  const receiptChannels = new Set(c.KABAR_RECEIPT_CHANNELS.split(',').map((x) => x.trim().toUpperCase()));
  const inTenant = <T>(tenantId: string, fn: (s: TenantScope) => Promise<T>) =>
    withTenant({ db: core.db, actor: 'system', tenantId }, fn);
  const inPlatform = <T>(fn: (s: PlatformScope) => Promise<T>) => withPlatform({ db: core.db, actor: 'system' }, fn);
  const asEvents = (derived: DerivedEvent[]): EventEnvelope[] =>
    derived.map((d) => ({ id: d.id, type: d.type, occurredAt: now(), data: d.data }));

  /** Kabar's own events (credit.purchase_status…), dispatched in this process; a failure is logged, never thrown. */
  const emitInternal: EmitInternal = async (tenantId, e) => {
    await handle(tenantId, { id: e.id, type: e.type, occurredAt: new Date(), data: e.data }).then(
      () => undefined,
      (err) => log.error({ err, tenantId, type: e.type }, 'internal event failed'),
    );
  };
  const maxAttempts = c.KABAR_MAX_SEND_ATTEMPTS;
  const sendCtx: SendContext = {
    box,
    bus,
    channels: core.channels,
    publishStatus,
    publicUrl: c.KABAR_PUBLIC_URL,
    maxAttempts,
    retryBaseMs: c.KABAR_RETRY_BASE_MS,
    receiptChannels,
    receiptGraceMs: c.KABAR_RECEIPT_GRACE_MS,
    now,
    emit: emitInternal,
  };
  const creditAlertIntervalSeconds = c.KABAR_CREDIT_ALERT_INTERVAL_SECONDS;
  const releaseCtx: ReleaseContext = { box, bus, creditAlertIntervalSeconds, publishStatus, now };
  const fallbackCtx: FallbackContext = { bus, publishStatus, now };
  const reconcileCtx: ReconcileContext = { bus, publishStatus, receiptChannels, maxAttempts, now };
  const firstAttemptAfterMs = Math.min(30_000, c.KABAR_SEND_LEASE_MS);
  const dispatchCtx = {
    box,
    bus,
    publishStatus,
    now,
    creditAlertIntervalSeconds,
    firstAttemptAfterMs,
    receiptChannels,
  };
  const pool = createSendPool(c, sendCtx, inTenant, log);

  // The duplicate window's fast path: an event seen moments ago costs no database round trip.
  // Beyond it the events table and the deliveries' unique index still guarantee "never twice".
  const recent = new Map<string, number>();
  const windowMs = c.KABAR_DEDUP_WINDOW_SECONDS * 1000;
  function seenRecently(key: string): boolean {
    const at = recent.get(key);
    return at !== undefined && now().getTime() - at < windowMs;
  }
  function remember(key: string) {
    recent.delete(key);
    recent.set(key, now().getTime());
    if (recent.size > 100_000) recent.delete(recent.keys().next().value!);
  }

  /**
   * Handles a tenant's events (in order) as one unit: one transaction records them all, then
   * their messages get their first attempt. Returns one outcome per event once every outcome is
   * durable; transient send failures are left to the retry sweep. Counted and timed (metrics),
   * Kabar's own follow-up events included.
   */
  const handleMany = timedHandleMany(async (tenantId: string, list: EventEnvelope[]) => {
    const outcomes: DispatchOutcome[] = list.map(() => ({ kind: 'duplicate' }));
    const todo = list.flatMap((e, i) => (seenRecently(`${tenantId}:${e.id}`) ? [] : [i]));
    if (todo.length === 0) return outcomes;
    const batch = await inTenant(tenantId, async (s) => {
      const b = await dispatchEvents(
        s,
        dispatchCtx,
        todo.map((i) => list[i]!),
      );
      return { ...b, held: await callsFor(s, sendCtx, b.held) };
    });
    for (const [j, i] of todo.entries()) {
      outcomes[i] = batch.outcomes[j]!;
      if (outcomes[i]!.kind === 'dispatched' || outcomes[i]!.kind === 'duplicate')
        remember(`${tenantId}:${list[i]!.id}`);
    }
    const dispatched = batch.outcomes.filter((o) => o.kind === 'dispatched').length;
    const queued = batch.queued.length + batch.held.length;
    log.debug({ tenantId, events: list.length, dispatched, queued }, 'events handled');
    const sent = [
      batch.held.length ? pool.sendHeld(tenantId, batch.held) : null,
      batch.queued.length ? pool.send(tenantId, batch.queued, false) : null,
    ];
    const failed = (err: unknown) =>
      log.error({ err, tenantId, events: list.length }, 'send failed; the retry sweep will pick it up');
    await Promise.all(sent.map((p) => p?.catch(failed)));
    if (batch.derived.length) await handleMany(tenantId, asEvents(batch.derived));
    return outcomes;
  }, core.metrics);

  /** One event (HTTP ingest, the scheduler, Kabar's own events): goes through handleMany, so it is counted. */
  const handle = async (tenantId: string, e: EventEnvelope): Promise<DispatchOutcome> =>
    (await handleMany(tenantId, [e]))[0]!;

  /** Messages that waited (quiet hours, a retry's backoff, a resend, a fallback): the policy runs again, then they go. */
  async function release(tenantId: string, ids: string[]): Promise<void> {
    const r = await inTenant(tenantId, (s) => releaseHeld(s, releaseCtx, ids));
    if (r.ready.length) await pool.send(tenantId, r.ready, true);
    if (r.derived.length) await handleMany(tenantId, asEvents(r.derived));
  }

  async function reconcile(tenantId: string, id: string): Promise<void> {
    const r = await inTenant(tenantId, (s) => reconcileInterrupted(s, reconcileCtx, id));
    if (r?.kind !== 'resend') return;
    const line = { tenantId, deliveryId: id, channel: r.channel, attempt: r.attempt };
    log.warn(line, 'interrupted send had no provider receipt; resending');
  }

  /** Channel fallbacks whose time has come, per tenant: each tenant's in one transaction. */
  async function fallBackDue(at: Date): Promise<number> {
    const due = await inPlatform((s) => dueFallbacks(s, at));
    const failed = (tenantId: string, ids: string[]) => (err: unknown) =>
      log.error({ err, tenantId, deliveries: ids.length }, 'fallback failed');
    await Promise.all(
      [...byTenant(due)].map(([tenantId, ids]) =>
        inTenant(tenantId, (s) => fallBack(s, fallbackCtx, ids)).catch(failed(tenantId, ids)),
      ),
    );
    return due.length;
  }

  /**
   * Sends what is due: scheduled retries, messages whose first attempt never happened (a crash
   * between commit and send), sends cut off by a crash (reconcile), messages that waited (release);
   * then the fallbacks due. Old webhook fingerprints are pruned every ten minutes.
   */
  let prunedAt = 0;
  async function sweep(limit = 200): Promise<number> {
    const at = now();
    if (at.getTime() - prunedAt > 600_000) {
      prunedAt = at.getTime();
      const olderThan = new Date(at.getTime() - c.KABAR_WEBHOOK_REPLAY_DAYS * 86_400_000);
      await inPlatform((s) => pruneWebhookReceipts(s, olderThan));
    }
    const due = await inPlatform((s) => dueForSweep(s, at, c.KABAR_SEND_LEASE_MS, limit));
    const plan = planSweep(due);
    const retryFailed = (tenantId: string, deliveryId: string) => (err: unknown) =>
      log.error({ err, tenantId, deliveryId }, 'retry failed');
    const releaseFailed = (tenantId: string, ids: string[]) => (err: unknown) =>
      log.error({ err, tenantId, deliveries: ids.length }, 'release failed');
    await Promise.all([
      ...plan.interrupted.map((d) => reconcile(d.tenantId, d.id)),
      ...plan.retry.map((d) => pool.send(d.tenantId, [d.id], true).catch(retryFailed(d.tenantId, d.id))),
      ...[...plan.waited].map(([tenantId, ids]) => release(tenantId, ids).catch(releaseFailed(tenantId, ids))),
    ]);
    return due.length + (await fallBackDue(at));
  }

  const loop = createLoop('retry sweep', sweep, log);
  return {
    handleMany,
    handle,
    emitInternal,
    sweep,
    /** Starts the retry sweep (dispatcher role). */
    start: (intervalMs = 250) => loop.start(intervalMs),
    /** Stops the sweep, then gives back the claims of paced sends still waiting. */
    stop: async () => {
      await loop.stop();
      await pool.stop();
    },
    /** WhatsApp sends waiting for their pace in this process. */
    get pacedWaiting() {
      return pool.waiting;
    },
  };
}
export type Dispatcher = ReturnType<typeof createDispatcher>;
