import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsAppChannel } from '../../src/channels/whatsapp.channel.js';
import type { WhatsAppAttempt } from '../fakes/whatsapp.js';
import {
  enableWhatsApp,
  eventually,
  setTestPrices,
  startKabar,
  type TestKabar,
  type TestTenant,
} from '../helpers/app.js';
import { sampleData } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// Meta's limits as Kabar keeps them, seen at the fake 360dialog (which names the sender number by
// its API key): a number's cap under a burst, one recipient's pace, and that neither makes another
// tenant wait; then 130429 and 131056 retried after a delay that fits each.

const LIMIT = 5; // WHATSAPP_MAX_MESSAGES_PER_SECOND, low so that a burst of 20 spans three seconds
const PAIR_MS = 1000; // WHATSAPP_PAIR_INTERVAL_MS, with bursts of 1
/**
 * A send may reach the fake later than its booked time (timer, send slot, loopback), never earlier;
 * an early message arriving late can then share a second with later ones. Windows are checked
 * shortened by this delay, which keeps the check exact for the booked times.
 */
const SLACK_MS = 250;
const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';

describe('WhatsApp throughput as Meta enforces it', () => {
  let k: TestKabar;
  let p: Providers;

  beforeAll(async () => {
    p = await startProviders();
    // The adapter learns the pair interval too: it times the retry of a 131056.
    p.channels.whatsapp = createWhatsAppChannel({ baseUrl: p.whatsapp.url, timeoutMs: 500, pairIntervalMs: PAIR_MS });
    k = await startKabar({
      channels: p.channels,
      env: {
        ...p.env,
        WHATSAPP_MAX_MESSAGES_PER_SECOND: String(LIMIT),
        WHATSAPP_PAIR_INTERVAL_MS: String(PAIR_MS),
        WHATSAPP_PAIR_BURST: '1',
        KABAR_RETRY_BASE_MS: '50',
      },
    });
    await setTestPrices(k);
  });
  afterAll(async () => {
    await k.stop();
    await p.close();
  });

  /** A tenant sending appointment.no_show on WhatsApp only, with an API key (so a sender number) of its own. */
  async function tenant(name: string): Promise<TestTenant & { key: string }> {
    const t = await k.newTenant();
    const key = `d360-${name}-${t.id.slice(0, 8)}`;
    await enableWhatsApp(k, t, { token: key, credit: '100000', provider: p.whatsapp });
    const res = await k.gql(
      t.admin,
      'mutation { setEventChannels(eventType: "appointment.no_show", channels: [WHATSAPP]) { eventType } }',
    );
    expect(res.errors).toBeUndefined();
    return { ...t, key };
  }
  const publish = async (t: TestTenant, phone: string) => {
    const res = await k.gql(t.service, PUBLISH, {
      input: {
        id: `evt-${randomUUID()}`,
        type: 'appointment.no_show',
        occurredAt: new Date().toISOString(),
        data: sampleData('appointment.no_show', { phone, language: 'id' }),
      },
    });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  };
  const accepted = (key: string) => p.whatsapp.requests.filter((r) => r.apiKey === key && r.status === 200);
  const attempts = (key: string) => p.whatsapp.requests.filter((r) => r.apiKey === key && r.status !== undefined);
  /** The most arrivals in any window [t, t + ms). */
  const busiest = (list: WhatsAppAttempt[], ms: number) =>
    Math.max(...list.map((a) => list.filter((b) => b.at >= a.at && b.at < a.at + ms).length));

  it('caps a burst per number, paces one recipient, and another tenant does not wait', async () => {
    const [a, b, c] = [await tenant('a'), await tenant('b'), await tenant('c')];
    const N = 20;
    // A floods its number; C writes three times to one patient; then B sends one message.
    await Promise.all([
      ...Array.from({ length: N }, (_, i) => publish(a, `+62813${String(i).padStart(8, '0')}`)),
      ...Array.from({ length: 3 }, () => publish(c, '+6281399999999')),
    ]);
    const bPublished = Date.now();
    await publish(b, '+6281388888888');

    await eventually(() => expect(accepted(b.key)).toHaveLength(1), 5000);
    const bArrived = accepted(b.key)[0]!.at;
    await eventually(() => {
      expect(accepted(a.key)).toHaveLength(N);
      expect(accepted(c.key)).toHaveLength(3);
    }, 10_000);
    const burst = accepted(a.key);
    const aLast = Math.max(...burst.map((r) => r.at));

    // The cap: never more than LIMIT in a second, so 20 messages span at least three seconds.
    expect(busiest(burst, 1000 - SLACK_MS)).toBeLessThanOrEqual(LIMIT);
    expect(aLast - Math.min(...burst.map((r) => r.at))).toBeGreaterThanOrEqual((N / LIMIT - 1) * 1000 - SLACK_MS);
    expect(attempts(a.key)).toHaveLength(N); // delayed, not refused and retried
    // One patient: one message per PAIR_MS.
    const pair = accepted(c.key)
      .map((r) => r.at)
      .sort((x, y) => x - y);
    expect(pair[1]! - pair[0]!).toBeGreaterThanOrEqual(PAIR_MS - SLACK_MS);
    expect(pair[2]! - pair[1]!).toBeGreaterThanOrEqual(PAIR_MS - SLACK_MS);
    // Nothing else waits: B's message went out at once (a fraction of a second; 2 s leaves room for a
    // loaded CI machine), long before A's burst was through.
    expect(bArrived - bPublished).toBeLessThan(2000);
    expect(bArrived).toBeLessThan(aLast - 1000);
  });

  it('retries 130429 after a second or more and 131056 after the pair interval, never at once', async () => {
    const [d, e] = [await tenant('d'), await tenant('e')];
    // The fault plan answers the next request, whoever sends it: one tenant at a time.
    p.whatsapp.fail(1, '429', 130429);
    await publish(d, '+6281377777777');
    await eventually(() => expect(attempts(d.key)).toHaveLength(1), 5000);
    p.whatsapp.fail(1, '429', 131056);
    await publish(e, '+6281366666666');

    await eventually(() => {
      expect(accepted(d.key)).toHaveLength(1);
      expect(accepted(e.key)).toHaveLength(1);
    }, 10_000);
    const [d1, d2] = attempts(d.key);
    const [e1, e2] = attempts(e.key);
    expect([d1!.code, d2!.status, e1!.code, e2!.status]).toEqual([130429, 200, 131056, 200]);
    // 130429: 1 to 2 s; 131056: one to 1.25 pair intervals; then the sweep (every 250 ms) sends it.
    expect(d2!.at - d1!.at).toBeGreaterThanOrEqual(1000);
    expect(d2!.at - d1!.at).toBeLessThan(4000);
    expect(e2!.at - e1!.at).toBeGreaterThanOrEqual(PAIR_MS);
    expect(e2!.at - e1!.at).toBeLessThan(PAIR_MS * 1.25 + 2000);
  });
});
