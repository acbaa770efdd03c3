import type { Logger } from 'pino';
import { createLoop } from './loop.js';
import type { App } from './app.js';
import type { Channels } from './channels/types.js';
import { withPlatform, withTenant } from './db/tenant.js';
import { createKeyedQueue } from './consumers/keyed-queue.js';
import { deliveries } from './schema/index.js';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { recordReportAtCommit, recordStatus, type StatusPublisher } from './services/delivery-status.js';
import { dispatchEvents, type DispatchOutcome } from './services/dispatch.js';
import type { EventEnvelope } from './services/events.js';
import { callsFor, claimDeliveries, recordOutcomes, type Claimed, type SendContext } from './services/sender.js';
import { getDelivery } from './services/deliveries.js';
import { pruneWebhookReceipts } from './services/webhooks.js';
import { releaseHeld, type ReleaseContext } from './services/release.js';
import { dueFallbacks, fallBack, type FallbackContext } from './services/fallback-due.js';
import { createPacer, releaseClaims } from './services/pacing.js';

export interface DispatcherOptions {
  channels: Channels;
  publishStatus: StatusPublisher;
  now?: () => Date;
  logger?: Logger;
}

/**
 * The dispatch runtime: the same entry for a Kafka message, the HTTP ingest in embedded mode
 * and Kabar's own follow-up events. `handle` returns once the event's outcome is durable and
 * its messages have had their first attempt (or, for WhatsApp messages over Meta's pace, have
 * been scheduled for it); transient failures are left to the retry sweep.
 */
export function createDispatcher(app: App, opts: DispatcherOptions) {
  const now = opts.now ?? (() => new Date());
  const log = opts.logger ?? app.logger;
  const c = app.config;
  const receiptChannels = new Set(c.KABAR_RECEIPT_CHANNELS.split(',').map((x) => x.trim().toUpperCase()));
  const sendCtx: SendContext = {
    box: app.box,
    bus: app.bus,
    channels: opts.channels,
    publishStatus: opts.publishStatus,
    publicUrl: c.KABAR_PUBLIC_URL,
    maxAttempts: c.KABAR_MAX_SEND_ATTEMPTS,
    retryBaseMs: c.KABAR_RETRY_BASE_MS,
    receiptChannels,
    receiptGraceMs: c.KABAR_RECEIPT_GRACE_MS,
    now,
    emit: (tenantId, e) => app.emitInternal(tenantId, e),
  };
  const system = (tenantId: string) => ({ db: app.db, actor: 'system', tenantId });

  // Provider calls in flight in this process: at most KABAR_PROVIDER_CONCURRENCY, as SENDERS chunks
  // of a quarter each. A chunk takes its slot before it claims anything, or renews a claim made at
  // dispatch that aged waiting for the slot, so "sending" never includes a long wait (the send lease,
  // after which an unconfirmed send counts as lost, covers one call), and a burst cannot open
  // hundreds of connections or starve calls into timeouts (a timed-out call may have arrived, and
  // providers take no idempotency key: see recordFailure).
  const SENDERS = 4;
  const chunk = Math.max(1, Math.floor(c.KABAR_PROVIDER_CONCURRENCY / SENDERS));
  const senders = createKeyedQueue(SENDERS);
  let chunks = 0;

  // A message claimed as it was recorded is called without a claim transaction while its claim is
  // this fresh; one that waited longer for a call slot is re-claimed first, so its call still ends
  // well inside the send lease (after which the retry sweep would take it over and send it again).
  const renewHeldAfterMs = c.KABAR_SEND_LEASE_MS / 2;

  /** Claims by id, in chunks: one claim transaction, then the chunk's calls (see `call`). */
  async function send(tenantId: string, ids: string[], dueOnly: boolean): Promise<void> {
    for (let i = 0; i < ids.length; i += chunk) {
      const slice = ids.slice(i, i + chunk);
      await senders.run(String(chunks++), async () => call(tenantId, await withTenant(system(tenantId), (s) => claimDeliveries(s, sendCtx, slice, { dueOnly }))));
    }
  }

  /**
   * Messages already claimed (by dispatch, or by a claim whose send was paced), in chunks: no claim
   * transaction unless the claim went stale waiting. `paced`: their WhatsApp pace was already kept.
   */
  async function sendHeld(tenantId: string, held: Claimed[], paced = false): Promise<void> {
    for (let i = 0; i < held.length; i += chunk) {
      const slice = held.slice(i, i + chunk);
      await senders.run(String(chunks++), async () => {
        const since = slice[0]!.row.sendingSince!;
        if (now().getTime() - since.getTime() < renewHeldAfterMs) return call(tenantId, slice, paced);
        const ids = slice.map((h) => h.row.id);
        return call(tenantId, await withTenant(system(tenantId), (s) => claimDeliveries(s, sendCtx, ids, { heldSince: since })), paced);
      });
    }
  }

  // WhatsApp's per-number and per-recipient pace (services/pacing.ts). A send over it waits on a timer
  // of its own, holding no slot, and is not awaited by handleMany: a tenant flooding its own number
  // delays only its own messages, never another tenant's slot, event or partition.
  const byClaim = (items: Claimed[]) => {
    const groups = new Map<number, Claimed[]>();
    for (const item of items) {
      const since = item.row.sendingSince!.getTime();
      groups.set(since, [...(groups.get(since) ?? []), item]);
    }
    return groups;
  };
  const pacer = createPacer<Claimed>(
    { perSecond: c.WHATSAPP_MAX_MESSAGES_PER_SECOND, pairIntervalMs: c.WHATSAPP_PAIR_INTERVAL_MS, pairBurst: c.WHATSAPP_PAIR_BURST },
    async (tenantId, items) => {
      await Promise.all([...byClaim(items).values()].map((group) => sendHeld(tenantId, group, true)));
    },
    async (tenantId, items) => {
      for (const [since, group] of byClaim(items)) await withTenant(system(tenantId), (s) => releaseClaims(s, group.map((g) => g.row.id), new Date(since), now()));
    },
    log,
  );

  /** The claimed messages' provider calls in parallel (those the pace lets go now), then one transaction recording every outcome. */
  async function call(tenantId: string, claimed: Claimed[], paced = false): Promise<void> {
    if (!paced) claimed = pacer.admit(tenantId, claimed);
    if (claimed.length === 0) return;
    const results = await Promise.all(claimed.map(async (c) => ({ row: c.row, outcome: await c.call() })));
    await withTenant(system(tenantId), (s) => recordOutcomes(s, sendCtx, results));
    for (const { row, outcome } of results) {
      const line = { tenantId, eventId: row.eventId, deliveryId: row.id, channel: row.channel, attempt: row.attempts };
      if (outcome.ok) log.debug({ ...line, providerMessageId: outcome.providerMessageId }, 'delivery sent');
      else log.info({ ...line, transient: outcome.transient, reason: outcome.reason }, outcome.transient ? 'provider failed transiently' : 'provider rejected the message');
    }
  }

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

  const releaseCtx: ReleaseContext = { box: app.box, bus: app.bus, creditAlertIntervalSeconds: c.KABAR_CREDIT_ALERT_INTERVAL_SECONDS, publishStatus: opts.publishStatus, now };
  const fallbackCtx: FallbackContext = { bus: app.bus, publishStatus: opts.publishStatus, now };
  const dispatchCtx = { box: app.box, bus: app.bus, publishStatus: opts.publishStatus, now, creditAlertIntervalSeconds: c.KABAR_CREDIT_ALERT_INTERVAL_SECONDS, firstAttemptAfterMs: Math.min(30_000, c.KABAR_SEND_LEASE_MS), receiptChannels };

  /**
   * Handles a tenant's events (in order) as one unit: one transaction records them all, then
   * their messages get their first attempt. Returns one outcome per event once every outcome is
   * durable; transient send failures are left to the retry sweep.
   */
  async function handleMany(tenantId: string, list: EventEnvelope[]): Promise<DispatchOutcome[]> {
    const outcomes: DispatchOutcome[] = list.map(() => ({ kind: 'duplicate' }));
    const todo = list.flatMap((e, i) => (seenRecently(`${tenantId}:${e.id}`) ? [] : [i]));
    if (todo.length === 0) return outcomes;
    const batch = await withTenant(system(tenantId), async (s) => {
      const b = await dispatchEvents(s, dispatchCtx, todo.map((i) => list[i]!));
      return { ...b, held: await callsFor(s, sendCtx, b.held) };
    });
    for (const [j, i] of todo.entries()) {
      outcomes[i] = batch.outcomes[j]!;
      if (outcomes[i]!.kind !== 'unknown-tenant') remember(`${tenantId}:${list[i]!.id}`);
    }
    log.debug({ tenantId, events: list.length, dispatched: batch.outcomes.filter((o) => o.kind === 'dispatched').length, queued: batch.queued.length + batch.held.length }, 'events handled');
    const sent = [batch.held.length ? sendHeld(tenantId, batch.held) : null, batch.queued.length ? send(tenantId, batch.queued, false) : null];
    await Promise.all(sent.map((p) => p?.catch((err) => log.error({ err, tenantId, events: list.length }, 'send failed; the retry sweep will pick it up'))));
    if (batch.derived.length) await self.handleMany(tenantId, batch.derived.map((d) => ({ id: d.id, type: d.type, occurredAt: now(), data: d.data })));
    return outcomes;
  }


  /**
   * Sends what is due: scheduled retries, and messages whose first attempt never happened
   * (a crash between commit and send). A send still "sending" after the lease was cut off by a
   * crash: a provider that reports every accepted message back (KABAR_RECEIPT_CHANNELS) would
   * have settled it by now through its webhook, so no receipt means it never arrived and it is
   * sent again; without receipts (push) it ends FAILED, since resending could duplicate it.
   */
  let prunedAt = 0;
  async function sweep(limit = 200): Promise<number> {
    const at = now();
    if (at.getTime() - prunedAt > 600_000) {
      prunedAt = at.getTime();
      await withPlatform({ db: app.db, actor: 'system' }, (s) => pruneWebhookReceipts(s, new Date(at.getTime() - c.KABAR_WEBHOOK_REPLAY_DAYS * 86_400_000)));
    }
    const due = await withPlatform({ db: app.db, actor: 'system' }, (s) =>
      s.tx
        .select({ id: deliveries.id, tenantId: deliveries.tenantId, sendingSince: deliveries.sendingSince, deferredUntil: deliveries.deferredUntil })
        .from(deliveries)
        .where(
          and(
            eq(deliveries.status, 'QUEUED'),
            isNotNull(deliveries.nextAttemptAt),
            sql`(${deliveries.sendingSince} is null and ${deliveries.nextAttemptAt} <= ${at.toISOString()}::timestamptz) or ${deliveries.sendingSince} < ${new Date(at.getTime() - c.KABAR_SEND_LEASE_MS).toISOString()}::timestamptz`,
          ),
        )
        .limit(limit),
    );
    const waited = new Map<string, string[]>();
    for (const d of due) if (!d.sendingSince && d.deferredUntil) waited.set(d.tenantId, [...(waited.get(d.tenantId) ?? []), d.id]);
    await Promise.all([
      ...due.map(async (d) => {
        if (d.sendingSince) return reconcile(d.tenantId, d.id);
        if (d.deferredUntil) return;
        await send(d.tenantId, [d.id], true).catch((err) => log.error({ err, tenantId: d.tenantId, deliveryId: d.id }, 'retry failed'));
      }),
      ...[...waited].map(([tenantId, ids]) => release(tenantId, ids).catch((err) => log.error({ err, tenantId, deliveries: ids.length }, 'release failed'))),
    ]);
    return due.length + (await fallBackDue(at));
  }

  /** Channel fallbacks whose time has come, per tenant: each tenant's in one transaction. */
  async function fallBackDue(at: Date): Promise<number> {
    const due = await withPlatform({ db: app.db, actor: 'system' }, (s) => dueFallbacks(s, at));
    const byTenant = new Map<string, string[]>();
    for (const d of due) byTenant.set(d.tenantId, [...(byTenant.get(d.tenantId) ?? []), d.id]);
    await Promise.all([...byTenant].map(([tenantId, ids]) => withTenant(system(tenantId), (s) => fallBack(s, fallbackCtx, ids)).catch((err) => log.error({ err, tenantId, deliveries: ids.length }, 'fallback failed'))));
    return due.length;
  }

  /** Messages that waited (quiet hours, a retry's backoff, a resend, a fallback): the policy runs again, then they go. */
  async function release(tenantId: string, ids: string[]): Promise<void> {
    const r = await withTenant(system(tenantId), (s) => releaseHeld(s, releaseCtx, ids));
    if (r.ready.length) await send(tenantId, r.ready, true);
    if (r.derived.length) await self.handleMany(tenantId, r.derived.map((d) => ({ id: d.id, type: d.type, occurredAt: now(), data: d.data })));
  }

  async function reconcile(tenantId: string, id: string) {
    await withTenant(system(tenantId), async (s) => {
      const row = await getDelivery(s, id);
      if (row?.status !== 'QUEUED' || !row.sendingSince || row.providerMessageId) return;
      if (receiptChannels.has(row.channel) && row.attempts < c.KABAR_MAX_SEND_ATTEMPTS) {
        const reason = `attempt ${row.attempts} was cut off and the provider never reported it; resending`;
        await s.tx.update(deliveries).set({ sendingSince: null, nextAttemptAt: now(), reason, updatedAt: now() }).where(and(eq(deliveries.id, id), eq(deliveries.sendingSince, row.sendingSince)));
        recordReportAtCommit(s, id, 'QUEUED', reason, now());
        log.warn({ tenantId, deliveryId: id, channel: row.channel, attempt: row.attempts }, 'interrupted send had no provider receipt; resending');
        return;
      }
      const reason = receiptChannels.has(row.channel)
        ? `INTERRUPTED: attempt ${row.attempts} was cut off and the provider never reported it; gave up`
        : 'INTERRUPTED: the send was cut off and this provider reports no receipts, so it may or may not have arrived; not resent to avoid a duplicate';
      await recordStatus(s, row, { status: 'FAILED', reason, patch: { sendingSince: null, nextAttemptAt: null } }, opts.publishStatus, app.bus);
    });
  }

  const loop = createLoop('retry sweep', sweep, log);
  const self = {
    handleMany,
    /** One event (HTTP ingest, the scheduler, Kabar's own events): goes through handleMany, so wrappers see it. */
    handle: async (tenantId: string, e: EventEnvelope): Promise<DispatchOutcome> => (await self.handleMany(tenantId, [e]))[0]!,
    sweep,
    /** Starts the retry sweep (dispatcher role). */
    start: (intervalMs = 250) => loop.start(intervalMs),
    /** Stops the sweep, then gives back the claims of paced sends still waiting. */
    stop: async () => {
      await loop.stop();
      await pacer.stop();
    },
    /** WhatsApp sends waiting for their pace in this process. */
    get pacedWaiting() {
      return pacer.waiting;
    },
  };
  return self;
}
export type Dispatcher = ReturnType<typeof createDispatcher>;
