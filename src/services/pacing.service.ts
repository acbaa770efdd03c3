import { performance } from 'node:perf_hooks';
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { idList } from '../db/bulk.js';
import type { TenantScope } from '../db/tenant.js';
import { deliveries } from '../schema/index.js';

// WhatsApp pacing as Meta enforces it (PROVIDERS.md "WhatsApp throughput"), in the dispatcher process:
// - per sender number, at most `perSecond` sends in any one-second window (130429 above it);
// - per sender number and recipient, one send every `pairIntervalMs` with bursts of `pairBurst`
//   borrowed from later (131056 above it).
// A message over either limit is delayed, never dropped, and waits on a timer of its own: it holds
// no send slot, and nothing queued behind it (another recipient, another tenant) waits for it.
//
// Exactness: a tenant's events share a Kafka partition, so one dispatcher sends a tenant's fresh
// messages and this per-process limit is the number's limit. During a rebalance two processes may
// briefly send for one number (the old owner finishing what it had already paced, the new owner
// starting): at most twice the limit for that time, and Meta's 130429 meanwhile is retried after a
// second or more. Retries found by the sweep are paced by whichever dispatcher sends them, so with
// several dispatchers they can add to the owner's rate in the same way.

export interface PaceLimits {
  perSecond: number;
  pairIntervalMs: number;
  pairBurst: number;
}

const WINDOW_MS = 1000;

/**
 * The bookkeeping alone (times in ms on one monotonic clock, calls in time order): each call books
 * a send and says when it may go.
 */
export function createSendLimits(limits: PaceLimits) {
  // Per sender: the times of booked sends, ascending, from one second ago on (a sliding-window log).
  const windows = new Map<string, { times: number[]; head: number }>();
  // Per sender and recipient: GCRA's theoretical arrival time (a token bucket of pairBurst, refilled one per interval).
  const pairs = new Map<string, number>();
  const tolerance = (limits.pairBurst - 1) * limits.pairIntervalMs;
  let prunedAt = 0;

  /** Forgets senders idle for a second and pairs whose bucket is full again, now and then. */
  function prune(t: number) {
    if (t - prunedAt < 10 * WINDOW_MS) return;
    prunedAt = t;
    for (const [k, tat] of pairs) if (tat <= t) pairs.delete(k);
    for (const [k, w] of windows) if ((w.times.at(-1) ?? 0) <= t - WINDOW_MS) windows.delete(k);
  }

  return {
    /** Books a send to `recipient` at or after `t`; returns its time. */
    pair(sender: string, recipient: string, t: number): number {
      prune(t);
      const key = `${sender}\u0000${recipient}`;
      const tat = pairs.get(key) ?? t;
      const at = Math.max(t, tat - tolerance);
      pairs.set(key, Math.max(tat, at) + limits.pairIntervalMs);
      return at;
    },
    /** Books a send from `sender` at or after `t`, so that no window [x, x + 1 s) holds more than perSecond. */
    sender(sender: string, t: number): number {
      let w = windows.get(sender);
      if (!w) windows.set(sender, (w = { times: [], head: 0 }));
      while (w.head < w.times.length && w.times[w.head]! <= t - WINDOW_MS) w.head++;
      if (w.head > 1024) w = Object.assign(w, { times: w.times.slice(w.head), head: 0 });
      const booked = w.times.length - w.head;
      let at = Math.max(t, w.times.at(-1) ?? t);
      if (booked >= limits.perSecond) at = Math.max(at, w.times[w.times.length - limits.perSecond]! + WINDOW_MS);
      w.times.push(at);
      return at;
    },
    get size() {
      return { senders: windows.size, pairs: pairs.size };
    },
  };
}

export interface Paceable {
  /** Set on WhatsApp sends: the tenant's sender number (with the tenant) and the recipient. */
  pace?: { sender: string; recipient: string };
}

type Stage = 'pair' | 'sender';

/**
 * Splits claimed sends into those that may go now and those that wait. A waiting group is handed
 * to `run` when its time comes (after booking the sender, if it waited for its recipient: a number's
 * other recipients never queue behind one patient's pace). On stop, waiting groups go to `release`
 * (their claims are given back, for the next process's sweep).
 */
export function createPacer<T extends Paceable>(
  limits: PaceLimits,
  run: (tenantId: string, items: T[]) => Promise<void>,
  release: (tenantId: string, items: T[]) => Promise<void>,
  log: Logger,
) {
  const book = createSendLimits(limits);
  const clock = () => performance.now();
  const waiting = new Map<NodeJS.Timeout, { tenantId: string; items: T[] }>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  const track = (p: Promise<void>) => {
    const q = p.catch((err) => log.error({ err }, 'paced send failed; the retry sweep will pick it up'));
    running.add(q);
    void q.finally(() => running.delete(q));
  };

  function wait(tenantId: string, at: number, stage: Stage | 'go', items: T[]) {
    if (stopped) return track(release(tenantId, items));
    // +1: a timer may fire a fraction of a millisecond before the booked time.
    const timer = setTimeout(
      () => {
        waiting.delete(timer);
        const ready = stage === 'go' ? items : admit(tenantId, items, 'sender');
        if (ready.length) track(run(tenantId, ready));
      },
      Math.max(0, Math.ceil(at - clock())) + 1,
    );
    waiting.set(timer, { tenantId, items });
  }

  /** The items that may be sent now; the others are scheduled. */
  function admit(tenantId: string, items: T[], from: Stage = 'pair'): T[] {
    const t = clock();
    const ready: T[] = [];
    const later = new Map<string, { at: number; stage: Stage | 'go'; items: T[] }>();
    const defer = (at: number, stage: Stage | 'go', item: T) => {
      const key = `${stage}:${at}`;
      const group = later.get(key) ?? { at, stage, items: [] };
      group.items.push(item);
      later.set(key, group);
    };
    for (const item of items) {
      const p = item.pace;
      if (!p) {
        ready.push(item);
        continue;
      }
      if (from === 'pair') {
        const at = book.pair(p.sender, p.recipient, t);
        if (at > t) {
          defer(at, 'sender', item);
          continue;
        }
      }
      const at = book.sender(p.sender, t);
      if (at > t) defer(at, 'go', item);
      else ready.push(item);
    }
    for (const g of later.values()) wait(tenantId, g.at, g.stage, g.items);
    return ready;
  }

  return {
    admit: (tenantId: string, items: T[]) => admit(tenantId, items),
    /** Sends waiting for their time in this process. */
    get waiting() {
      let n = 0;
      for (const w of waiting.values()) n += w.items.length;
      return n;
    },
    async stop() {
      stopped = true;
      for (const [timer, w] of waiting) {
        clearTimeout(timer);
        track(release(w.tenantId, w.items));
      }
      waiting.clear();
      while (running.size) await Promise.all([...running]);
    },
  };
}

/**
 * Gives back claims taken for sends that never happened (paced sends left waiting at shutdown):
 * the attempt is undone and the retry sweep sends them at once. Guarded on the claim itself, so a
 * claim that changed meanwhile is left alone.
 */
export async function releaseClaims(scope: TenantScope, ids: string[], since: Date, now: Date): Promise<void> {
  if (ids.length === 0) return;
  await scope.tx
    .update(deliveries)
    .set({
      sendingSince: null,
      attempts: sql`greatest(${deliveries.attempts} - 1, 0)`,
      nextAttemptAt: now,
      updatedAt: now,
    })
    .where(
      and(sql`${deliveries.id} = ${idList(ids)}`, eq(deliveries.status, 'QUEUED'), eq(deliveries.sendingSince, since)),
    );
}
