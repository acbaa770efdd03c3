import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateKey } from '../../src/crypto.js';
import { eventually, JWT, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { startProviders, type Providers } from '../helpers/providers.js';
import { freePort } from '../helpers/net.js';
import { spawnKabar, type KabarProcess } from './harness.js';
import { CHANNEL_OF, exactlyOnce, loadTenants, makeEvents, produceAll, statusCounts } from './load.js';

// How Kabar grows past one process (docs/scaling.md): dispatchers in one consumer group share the
// events topic's partitions. Three dispatcher processes over six partitions: each one handles a part
// of the load, and together they handle every event exactly once.

const EVENTS = 600;
/** Enough tenants (the partition key) that every pair of partitions gets some: (4/6)^24 ≈ 6e-5 per dispatcher. */
const TENANTS = 24;

describe('three dispatchers, six partitions', () => {
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    KAFKA_EVENTS_TOPIC: `spread.events.${suffix}`,
    KAFKA_DLQ_TOPIC: `spread.dlq.${suffix}`,
    KAFKA_STATUS_TOPIC: `spread.status.${suffix}`,
    KAFKA_LIVE_TOPIC: `spread.live.${suffix}`,
    KAFKA_CONSUMER_GROUP: `spread-dispatcher-${suffix}`,
    KAFKA_PARTITIONS: '6',
  };
  let p: Providers;
  let api: TestKabar;
  let kafka: Kafka;
  let producer: Producer;
  let tenants: TestTenant[];
  const dispatchers: KabarProcess[] = [];

  beforeAll(async () => {
    const brokers = inject('kafkaBrokers');
    p = await startProviders(2000);
    const env = { ...p.env, ...topics, KAFKA_BROKERS: brokers, KABAR_ENCRYPTION_KEY: generateKey() };
    api = await startKabar({ channels: p.channels, env, roles: ['api'], snsFetchCert: (url) => p.sns.fetchCert(url) });
    tenants = await loadTenants(api, TENANTS, '100000000', p);
    const dispatcherEnv = {
      ...env,
      DATABASE_URL: inject('databaseUrl'),
      KABAR_JWT_SECRET: JWT.secret,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret',
      KABAR_ROLES: 'dispatcher',
      KABAR_PUBLIC_URL: api.url.replace(/\/graphql$/, ''),
      KABAR_CONFIG_CACHE_MS: '0',
    };
    // Started one after the other, then left to settle into one stable group of three before any
    // event is produced: a rebalance mid-load would hand partitions over (safe, but not this test).
    // A generous start-up timeout: on a loaded shared machine a process can take over a minute to start.
    for (let i = 0; i < 3; i++)
      dispatchers.push(await spawnKabar({ ...dispatcherEnv, KABAR_OPS_PORT: String(await freePort()) }, 180_000));
    kafka = new Kafka({ clientId: 'spread-test', brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await eventually(
      async () => {
        const { groups } = await admin.describeGroups([topics.KAFKA_CONSUMER_GROUP]);
        expect({ state: groups[0]?.state, members: groups[0]?.members.length }).toEqual({
          state: 'Stable',
          members: 3,
        });
      },
      60_000,
      500,
    );
    await admin.disconnect();
    producer = kafka.producer();
    await producer.connect();
  }, 720_000);

  afterAll(async () => {
    for (const d of dispatchers) d.kill('SIGKILL');
    await producer?.disconnect();
    await api?.stop();
    await p?.close();
  });

  it(`${EVENTS} events: every dispatcher handles a share, together exactly ${EVENTS}, each message sent once`, async () => {
    const events = makeEvents(tenants, EVENTS);
    await produceAll(producer, topics.KAFKA_EVENTS_TOPIC, events);
    await eventually(() => expect(exactlyOnce(p, events).missing).toBe(0), 180_000, 500);
    expect(exactlyOnce(p, events)).toEqual({
      expected: EVENTS,
      received: EVENTS,
      missing: 0,
      duplicates: 0,
      unexpected: 0,
    });
    expect(await statusCounts(api, tenants)).toEqual({ SENT: EVENTS });
    // Each dispatcher's own count of the events it handled (kabar_events_consumed_total on its ops port).
    let shares: Record<string, number>[] = [];
    await eventually(
      async () => {
        shares = await Promise.all(dispatchers.map(eventsConsumed));
        const total = shares.reduce((a, s) => a + (s.dispatched ?? 0), 0);
        expect({ dispatched: total, duplicate: shares.reduce((a, s) => a + (s.duplicate ?? 0), 0) }).toEqual({
          dispatched: EVENTS,
          duplicate: 0,
        });
      },
      30_000,
      500,
    );
    for (const s of shares) expect(s.dispatched ?? 0).toBeGreaterThan(0);
    console.info(
      `[spread] ${EVENTS} events over three dispatchers: ${shares.map((s) => s.dispatched ?? 0).join(' + ')}`,
    );
  }, 240_000);

  /** A dispatcher's kabar_events_consumed_total for this load's event types, by outcome. */
  async function eventsConsumed(d: KabarProcess): Promise<Record<string, number>> {
    const line = d.logs.find((l) => l.includes('operations endpoints'));
    expect(line, 'the dispatcher started no ops listener').toBeDefined();
    const { url } = JSON.parse(line!) as { url: string };
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    const byOutcome: Record<string, number> = {};
    for (const m of (await res.text()).matchAll(/^kabar_events_consumed_total\{([^}]*)\} (\S+)$/gm)) {
      const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
      if (!(labels.type! in CHANNEL_OF)) continue; // Kabar's own derived events are not this load
      byOutcome[labels.outcome!] = (byOutcome[labels.outcome!] ?? 0) + Number(m[2]);
    }
    return byOutcome;
  }
});
