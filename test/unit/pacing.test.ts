import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { whatsAppRetryAfterMs } from '../../src/channels/whatsapp.channel.js';
import { createPacer, createSendLimits } from '../../src/services/pacing.service.js';

// WhatsApp pacing's bookkeeping (services/pacing.ts) on a clock of its own.

/** The most times in any window [t, t + ms). */
const busiest = (times: number[], ms: number) =>
  Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + ms).length));

describe('per-number limit', () => {
  it('never books more than perSecond in any one-second window, however the sends arrive', () => {
    const limits = createSendLimits({ perSecond: 80, pairIntervalMs: 6000, pairBurst: 45 });
    const times: number[] = [];
    // A burst of 500 at once, then a trickle and another burst.
    for (let i = 0; i < 500; i++) times.push(limits.sender('t:+62811', 0));
    for (let t = 100; t < 9000; t += 37) times.push(limits.sender('t:+62811', t));
    for (let i = 0; i < 200; i++) times.push(limits.sender('t:+62811', 9000));
    expect(busiest(times, 1000)).toBe(80);
    // As fast as allowed: 500 at once take ceil(500/80) - 1 = 6 seconds more.
    expect(Math.max(...times.slice(0, 500))).toBe(6000);
    // The first 80 go at once: a burst within the limit is not delayed.
    expect(times.slice(0, 80).every((t) => t === 0)).toBe(true);
  });

  it('keeps numbers apart', () => {
    const limits = createSendLimits({ perSecond: 2, pairIntervalMs: 6000, pairBurst: 45 });
    expect([limits.sender('a', 0), limits.sender('a', 0), limits.sender('a', 0)]).toEqual([0, 0, 1000]);
    expect(limits.sender('b', 0)).toBe(0);
  });
});

describe('per-recipient pace (Meta’s pair rate)', () => {
  it('allows a burst, then one per interval, as a token bucket refilled one per interval', () => {
    const limits = createSendLimits({ perSecond: 80, pairIntervalMs: 6000, pairBurst: 3 });
    const at = [0, 0, 0, 0, 0].map(() => limits.pair('n', '+62812', 0));
    expect(at).toEqual([0, 0, 0, 6000, 12000]);
    // Idle long enough, the bucket is full again.
    expect(limits.pair('n', '+62812', 60_000)).toBe(60_000);
    expect(limits.pair('n', '+62899', 0)).toBe(0);
  });
});

describe('pacer', () => {
  const log = pino({ level: 'silent' });

  it('sends what may go now, the rest later, and one patient’s pace holds nobody else', async () => {
    const sent: string[] = [];
    const pacer = createPacer<{ id: string; pace?: { sender: string; recipient: string } }>(
      { perSecond: 1000, pairIntervalMs: 50, pairBurst: 1 },
      async (_tenant, items) => void sent.push(...items.map((i) => i.id)),
      async () => {},
      log,
    );
    const msg = (id: string, recipient: string) => ({ id, pace: { sender: 't:+62811', recipient } });
    const ready = pacer.admit('t', [msg('a1', '+1'), msg('a2', '+1'), msg('b1', '+2'), { id: 'email' }]);
    expect(ready.map((r) => r.id)).toEqual(['a1', 'b1', 'email']);
    expect(pacer.waiting).toBe(1);
    await new Promise((r) => setTimeout(r, 120));
    expect(sent).toEqual(['a2']);
    await pacer.stop();
  });

  it('gives back what still waits when stopped', async () => {
    const released: string[] = [];
    const pacer = createPacer<{ id: string; pace?: { sender: string; recipient: string } }>(
      { perSecond: 1, pairIntervalMs: 6000, pairBurst: 45 },
      async () => {},
      async (_tenant, items) => void released.push(...items.map((i) => i.id)),
      log,
    );
    pacer.admit(
      't',
      ['a', 'b', 'c'].map((id) => ({ id, pace: { sender: 't:+62811', recipient: `+${id}` } })),
    );
    expect(pacer.waiting).toBe(2);
    await pacer.stop();
    expect(released.sort()).toEqual(['b', 'c']);
  });
});

describe('retry delays by Meta code', () => {
  it('130429 waits 1 to 2 s; 131056 one to 1.25 pair intervals; others leave it to backoff', () => {
    expect([whatsAppRetryAfterMs(130429, 6000, () => 0), whatsAppRetryAfterMs(130429, 6000, () => 0.999)]).toEqual([
      1000, 1999,
    ]);
    expect([whatsAppRetryAfterMs(131056, 6000, () => 0), whatsAppRetryAfterMs(131056, 6000, () => 1)]).toEqual([
      6000, 7500,
    ]);
    expect(whatsAppRetryAfterMs(80007)).toBeUndefined();
  });
});
