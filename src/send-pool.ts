import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createKeyedQueue } from './consumers/keyed-queue.js';
import type { TenantScope } from './db/tenant.js';
import { createPacer, releaseClaims } from './services/pacing.service.js';
import { claimDeliveries, recordOutcomes, type Claimed, type SendContext } from './services/sender.service.js';

/** Runs one transaction of a tenant (the dispatcher's, as the system actor). */
export type InTenant = <T>(tenantId: string, fn: (s: TenantScope) => Promise<T>) => Promise<T>;

/**
 * The provider calls of one process. At most KABAR_PROVIDER_CONCURRENCY in flight, as SENDERS
 * chunks of a quarter each. A chunk takes its slot before it claims anything, or renews a claim made
 * at dispatch that aged waiting for the slot, so "sending" never includes a long wait (the send
 * lease, after which an unconfirmed send counts as lost, covers one call), and a burst cannot open
 * hundreds of connections or starve calls into timeouts (a timed-out call may have arrived, and
 * providers take no idempotency key: see recordFailure).
 */
export function createSendPool(config: Config, sendCtx: SendContext, inTenant: InTenant, log: Logger) {
  const { now } = sendCtx;
  const SENDERS = 4;
  const chunk = Math.max(1, Math.floor(config.KABAR_PROVIDER_CONCURRENCY / SENDERS));
  const senders = createKeyedQueue(SENDERS);
  let chunks = 0;

  // A message claimed as it was recorded is called without a claim transaction while its claim is
  // this fresh; one that waited longer for a call slot is re-claimed first, so its call still ends
  // well inside the send lease (after which the retry sweep would take it over and send it again).
  const renewHeldAfterMs = config.KABAR_SEND_LEASE_MS / 2;

  /** Claims by id, in chunks: one claim transaction, then the chunk's calls (see `call`). */
  async function send(tenantId: string, ids: string[], dueOnly: boolean): Promise<void> {
    for (let i = 0; i < ids.length; i += chunk) {
      const slice = ids.slice(i, i + chunk);
      await senders.run(String(chunks++), async () =>
        call(tenantId, await inTenant(tenantId, (s) => claimDeliveries(s, sendCtx, slice, { dueOnly }))),
      );
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
        return call(
          tenantId,
          await inTenant(tenantId, (s) => claimDeliveries(s, sendCtx, ids, { heldSince: since })),
          paced,
        );
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
  const pace = {
    perSecond: config.WHATSAPP_MAX_MESSAGES_PER_SECOND,
    pairIntervalMs: config.WHATSAPP_PAIR_INTERVAL_MS,
    pairBurst: config.WHATSAPP_PAIR_BURST,
  };
  const pacer = createPacer<Claimed>(
    pace,
    async (tenantId, items) => {
      await Promise.all([...byClaim(items).values()].map((group) => sendHeld(tenantId, group, true)));
    },
    async (tenantId, items) => {
      for (const [since, group] of byClaim(items))
        await inTenant(tenantId, (s) =>
          releaseClaims(
            s,
            group.map((g) => g.row.id),
            new Date(since),
            now(),
          ),
        );
    },
    log,
  );

  /** The claimed messages' provider calls in parallel (those the pace lets go now), then one transaction recording every outcome. */
  async function call(tenantId: string, claimed: Claimed[], paced = false): Promise<void> {
    if (!paced) claimed = pacer.admit(tenantId, claimed);
    if (claimed.length === 0) return;
    const results = await Promise.all(claimed.map(async (c) => ({ row: c.row, outcome: await c.call() })));
    await inTenant(tenantId, (s) => recordOutcomes(s, sendCtx, results));
    for (const { row, outcome } of results) {
      const line = { tenantId, eventId: row.eventId, deliveryId: row.id, channel: row.channel, attempt: row.attempts };
      if (outcome.ok) log.debug({ ...line, providerMessageId: outcome.providerMessageId }, 'delivery sent');
      else
        log.info(
          { ...line, transient: outcome.transient, reason: outcome.reason },
          outcome.transient ? 'provider failed transiently' : 'provider rejected the message',
        );
    }
  }

  return {
    send,
    sendHeld: (tenantId: string, held: Claimed[]) => sendHeld(tenantId, held),
    /** Gives back the claims of paced sends still waiting. */
    stop: () => pacer.stop(),
    /** WhatsApp sends waiting for their pace in this process. */
    get waiting() {
      return pacer.waiting;
    },
  };
}
export type SendPool = ReturnType<typeof createSendPool>;
