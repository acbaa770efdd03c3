import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaBroker, type KafkaBroker } from '../../scripts/kafka/broker.js';
import { enableReceipts } from '../fakes/receipts.js';
import { codeOf, eventually, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { freePort } from '../helpers/net.js';
import { startProviders, type Providers } from '../helpers/providers.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './harness.js';
import {
  reasons,
  exactlyOnce,
  expectLedgersHold,
  loadTenants,
  makeEvents,
  produceAll,
  receivedByRecipient,
  statusCounts,
  type LoadEvent,
} from './load.js';

// The Kafka broker and PostgreSQL restarted under load. Both are this file's own (a throwaway
// broker and an initdb cluster in temporary folders, on their own ports), never the shared ones.

const FULL = process.env.KABAR_RELIABILITY === 'full';
const EVENTS = Number(process.env.KABAR_RELIABILITY_INFRA_EVENTS ?? (FULL ? 6_000 : 1_200));
const SETTLE_MS = FULL ? 600_000 : 240_000;

describe('Kafka and PostgreSQL restarts under load', () => {
  let pg: ThrowawayPostgres;
  let broker: KafkaBroker;
  let kafkaPort: number;
  let kafkaDir: string;
  let p: Providers;
  let k: TestKabar;
  let producer: Producer;
  let tenants: TestTenant[];
  const all: LoadEvent[] = [];
  const topic = `rel-i.events.${randomUUID().slice(0, 8)}`;

  const startBroker = () => startKafkaBroker({ port: kafkaPort, dataDir: kafkaDir });

  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    kafkaPort = await freePort();
    kafkaDir = mkdtempSync(join(tmpdir(), 'kabar-rel-kafka-'));
    broker = await startBroker();
    p = await startProviders(1000);
    k = await startKabar({
      channels: p.channels,
      env: {
        ...p.env,
        DATABASE_URL: pg.url,
        KAFKA_BROKERS: broker.brokers,
        KAFKA_EVENTS_TOPIC: topic,
        KAFKA_PARTITIONS: '6',
        KABAR_RETRY_BASE_MS: '100',
        KABAR_CONFIG_CACHE_MS: '0',
        // Longer than PostgreSQL stays down here: a send cut off by the outage is settled by its receipt.
        KABAR_SEND_LEASE_MS: '20000',
        PROVIDER_TIMEOUT_MS: '1000',
      },
      snsFetchCert: (url) => p.sns.fetchCert(url),
    });
    enableReceipts(p, k.url);
    tenants = await loadTenants(k, 6, '100000000', p);
    producer = new Kafka({ clientId: 'rel-infra', brokers: [broker.brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  }, 180_000);

  afterAll(async () => {
    await producer?.disconnect().catch(() => {});
    await k?.stop().catch(() => {});
    await p?.close();
    await broker?.stop();
    pg?.destroy();
    if (kafkaDir) rmSync(kafkaDir, { recursive: true, force: true });
  });

  const delivered = () => [...receivedByRecipient(p).values()].reduce((a, b) => a + b, 0);

  async function settleExactlyOnce() {
    await eventually(
      async () => {
        expect((await statusCounts(k, tenants)).QUEUED ?? 0).toBe(0);
        expect(exactlyOnce(p, all).missing).toBe(0);
      },
      SETTLE_MS,
      1000,
    );
    expect(exactlyOnce(p, all), JSON.stringify(await reasons(k, tenants))).toEqual({
      expected: all.length,
      received: all.length,
      missing: 0,
      duplicates: 0,
      unexpected: 0,
    });
    expect(await statusCounts(k, tenants), JSON.stringify(await reasons(k, tenants))).toEqual({ SENT: all.length });
    expect(await expectLedgersHold(k, tenants, all)).toBe(all.filter((e) => e.channel === 'WHATSAPP').length);
  }

  it(
    'the broker stops mid-load and comes back: Kabar reconnects by itself, every message once',
    async () => {
      const events = makeEvents(tenants, EVENTS, all.length);
      all.push(...events);
      const before = delivered();
      await produceAll(producer, topic, events);
      await eventually(() => expect(delivered() - before).toBeGreaterThanOrEqual(events.length * 0.3), SETTLE_MS, 50);
      await broker.stop();
      const atStop = delivered();
      await new Promise((r) => setTimeout(r, 3000));
      broker = await startBroker();
      await settleExactlyOnce();
      console.info(
        `[reliability] Kafka restart: ${events.length} events, broker down at ${atStop - before} delivered for 3 s; 0 missing, 0 duplicates`,
      );
    },
    SETTLE_MS + 60_000,
  );

  it(
    'PostgreSQL stops mid-load: the API answers SERVICE_UNAVAILABLE meanwhile, then everything recovers without a restart',
    async () => {
      const events = makeEvents(tenants, EVENTS, all.length);
      all.push(...events);
      const before = delivered();
      await produceAll(producer, topic, events);
      await eventually(() => expect(delivered() - before).toBeGreaterThanOrEqual(events.length * 0.3), SETTLE_MS, 50);
      pg.stop('fast');
      const atStop = delivered();

      const down = await k.gql(tenants[0]!.admin, 'query { creditBalance { balance } }');
      expect(codeOf(down)).toBe('SERVICE_UNAVAILABLE');
      expect(down.errors![0]!.message).toBe('The database is unavailable; try again shortly');
      const ready = await fetch(k.url.replace(/\/graphql$/, '/readyz'));
      expect(ready.status).toBe(503);
      await new Promise((r) => setTimeout(r, 3000));
      pg.start();

      await eventually(
        async () =>
          expect((await k.gql(tenants[0]!.admin, 'query { creditBalance { balance } }')).errors).toBeUndefined(),
        30_000,
        250,
      );
      expect((await fetch(k.url.replace(/\/graphql$/, '/readyz'))).status).toBe(200);
      await settleExactlyOnce();
      console.info(
        `[reliability] PostgreSQL restart: ${events.length} events, database down at ${atStop - before} delivered for 3 s; 0 missing, 0 duplicates`,
      );
    },
    SETTLE_MS + 60_000,
  );
});
