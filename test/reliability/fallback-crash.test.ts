import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateKey } from '../../src/crypto.js';
import { withTenant } from '../../src/db/tenant.js';
import { enableReceipts } from '../fakes/receipts.js';
import { eventually, JWT, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { startProviders, type Providers } from '../helpers/providers.js';
import { spawnKabar, type KabarProcess } from './harness.js';
import { ledgerOf, loadTenants, makeEvents, produceAll, type LoadEvent } from './load.js';

// Channel fallback through a dispatcher killed with SIGKILL mid-load: every patient gets exactly
// one message (the SMS fallback of a WhatsApp message that could not go), never both, never none.
// Half the tenants have WhatsApp switched off (a skip falls back), the other half have it on and
// the WhatsApp provider rejects every message for good (a permanent failure falls back, refunded).

const FULL = process.env.KABAR_RELIABILITY === 'full';
const EVENTS = Number(process.env.KABAR_FALLBACK_EVENTS ?? (FULL ? 2_000 : 400));
const SETTLE_MS = FULL ? 600_000 : 180_000;
const SEND_LEASE_MS = 30_000;
const CREDIT = '100000000';

describe('channel fallback through a crash', () => {
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    KAFKA_EVENTS_TOPIC: `fb.events.${suffix}`,
    KAFKA_DLQ_TOPIC: `fb.dlq.${suffix}`,
    KAFKA_STATUS_TOPIC: `fb.status.${suffix}`,
    KAFKA_LIVE_TOPIC: `fb.live.${suffix}`,
    KAFKA_CONSUMER_GROUP: `fb-dispatcher-${suffix}`,
    KAFKA_PARTITIONS: '4',
  };
  let p: Providers;
  let api: TestKabar;
  let producer: Producer;
  let tenants: TestTenant[];
  let env: Record<string, string>;
  const running: KabarProcess[] = [];

  beforeAll(async () => {
    const brokers = inject('kafkaBrokers');
    p = await startProviders(2000);
    const shared = { ...p.env, ...topics, KAFKA_BROKERS: brokers, KABAR_ENCRYPTION_KEY: generateKey() };
    api = await startKabar({
      channels: p.channels,
      env: shared,
      roles: ['api'],
      snsFetchCert: (url) => p.sns.fetchCert(url),
    });
    enableReceipts(p, api.url, { giveUpMs: 2 * SEND_LEASE_MS });
    tenants = await loadTenants(api, 4, CREDIT, p);
    for (const [i, t] of tenants.entries()) {
      if (i % 2 === 0)
        await ok(api.gql(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "0") { key } }'));
      await ok(
        api.gql(
          t.admin,
          'mutation { upsertChannelFallback(input: { eventPattern: "*", from: WHATSAPP, to: SMS }) { id } }',
        ),
      );
    }
    // Every WhatsApp call is refused for good (131026 undeliverable): WhatsApp-on tenants fall back on failure.
    p.whatsapp.failureRate(1, ['permanent']);
    env = {
      ...shared,
      DATABASE_URL: inject('databaseUrl'),
      KABAR_JWT_SECRET: JWT.secret,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret',
      KABAR_ROLES: 'dispatcher',
      KABAR_PUBLIC_URL: api.url.replace(/\/graphql$/, ''),
      KABAR_SEND_LEASE_MS: String(SEND_LEASE_MS),
      KABAR_RETRY_BASE_MS: '100',
      PROVIDER_TIMEOUT_MS: '10000',
      KABAR_CONFIG_CACHE_MS: '0',
    };
    const kafka = new Kafka({ clientId: 'fb-test', brokers: [brokers], logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    for (const d of running) d.kill('SIGKILL');
    await producer?.disconnect();
    await api?.stop();
    await p?.close();
  });

  const start = async () => {
    const d = await spawnKabar(env);
    running.push(d);
    return d;
  };
  const smsTo = () => {
    const counts = new Map<string, number>();
    for (const m of p.sms.received) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
    return counts;
  };

  it(
    `kill -9 while ${EVENTS} WhatsApp messages fall back to SMS: one SMS per patient, no WhatsApp, every fallback row once`,
    async () => {
      // appointment.no_show goes on WhatsApp only, each to a patient of its own.
      const events: LoadEvent[] = makeEvents(tenants, EVENTS, 0, ['appointment.no_show']);
      const first = await start();
      await produceAll(producer, topics.KAFKA_EVENTS_TOPIC, events);
      await eventually(() => expect(p.sms.received.length).toBeGreaterThanOrEqual(EVENTS * 0.3), SETTLE_MS, 20);
      first.kill('SIGKILL');
      await first.exited;
      const atKill = p.sms.received.length;
      // Work was still outstanding when the fault struck.
      expect(atKill).toBeLessThan(EVENTS);
      await start();
      await eventually(
        async () => expect(await fallbackRows()).toEqual({ fallbacks: EVENTS, sent: EVENTS, other: 0 }),
        SETTLE_MS,
        1000,
      );
      const sms = smsTo();
      const phones = events.map((e) => `+${e.recipient}`);
      expect({
        patients: phones.filter((ph) => sms.get(ph) === 1).length,
        twice: [...sms.values()].filter((n) => n > 1).length,
        missing: phones.filter((ph) => !sms.has(ph)).length,
      }).toEqual({ patients: EVENTS, twice: 0, missing: 0 });
      expect(p.whatsapp.received).toHaveLength(0);
      expect(await firstDeliveries()).toEqual({ 'SKIPPED WHATSAPP_DISABLED': EVENTS / 2, FAILED: EVENTS / 2 });
      for (const t of tenants) {
        const l = await ledgerOf(api, t.id);
        // Refused for good, so refunded: the balance is back where it started, and equals the ledger.
        expect({ balance: l.balance, sum: l.sum, charged: l.debits - l.refunds }).toEqual({
          balance: CREDIT,
          sum: CREDIT,
          charged: 0,
        });
      }
      console.info(
        `[reliability] fallback: ${EVENTS} events, killed at ${atKill} SMS; after restart ${p.sms.received.length} SMS for ${EVENTS} patients, 0 twice, 0 missing, 0 WhatsApp`,
      );
    },
    SETTLE_MS + 120_000,
  );

  /** The SMS fallbacks written (each linked to its WhatsApp delivery), how many were SENT, and any other status. */
  async function fallbackRows() {
    const out = { fallbacks: 0, sent: 0, other: 0 };
    for (const t of tenants) {
      const [r] = await count(
        t,
        sql`select count(*)::int as fallbacks, count(*) filter (where status = 'SENT')::int as sent, count(*) filter (where status not in ('SENT', 'QUEUED'))::int as other from deliveries where fallback_of is not null`,
      );
      out.fallbacks += r!.fallbacks;
      out.sent += r!.sent;
      out.other += r!.other;
    }
    return out;
  }

  /** The WhatsApp deliveries' outcomes (reasons of the failures vary in wording: their status suffices). */
  async function firstDeliveries() {
    const out: Record<string, number> = {};
    for (const t of tenants) {
      for (const r of await count(
        t,
        sql`select case when status = 'SKIPPED' then 'SKIPPED ' || reason else status::text end as k, count(*)::int as n from deliveries where channel = 'WHATSAPP' and event_type = 'appointment.no_show' group by 1`,
      ))
        out[r.k] = (out[r.k] ?? 0) + r.n;
    }
    return out;
  }

  function count(t: TestTenant, q: ReturnType<typeof sql>): Promise<any[]> {
    return withTenant(
      { db: api.app.db, actor: 'test', tenantId: t.id },
      async (s) => (await s.tx.execute(q)) as unknown as any[],
    );
  }
});

async function ok(res: Promise<{ errors?: unknown }>) {
  const r = await res;
  if (r.errors) throw new Error(JSON.stringify(r.errors));
}
