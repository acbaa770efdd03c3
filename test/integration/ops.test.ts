import { randomUUID } from 'node:crypto';
import { connect, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOps } from '../../src/ops.js';
import { eventually, startKabar, type TestKabar } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { freePort } from '../helpers/net.js';
import { startProviders, type Providers } from '../helpers/providers.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted duplicate } }';

/** One sample's value in Prometheus text (0 when absent); labels must match exactly. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m && m[1] === name && (m[2] ?? '').split(',').filter(Boolean).sort().join(',') === want) return Number(m[3]);
  }
  return 0;
}

const base = (k: TestKabar) => k.url.replace(/\/graphql$/, '');
const scrape = async (k: TestKabar) => {
  const res = await fetch(`${base(k)}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};

describe('operations endpoints (embedded bus)', () => {
  let k: TestKabar;
  let p: Providers;

  beforeAll(async () => {
    p = await startProviders();
    k = await startKabar({ channels: p.channels, env: p.env });
  });
  afterAll(async () => {
    await k?.stop();
    await p?.close();
  });

  it('GET /healthz answers 200 without touching dependencies', async () => {
    const res = await fetch(`${base(k)}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz checks PostgreSQL through the app handle (no Kafka check without KAFKA_BROKERS)', async () => {
    const res = await fetch(`${base(k)}/readyz`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe('ok');
    expect(body.checks.database).toMatchObject({ status: 'ok', kind: 'postgres' });
    expect(body.checks.kafka).toBeUndefined();
  });

  it("GET /metrics lists Kabar's metrics and the process metrics", async () => {
    const text = await scrape(k);
    for (const name of [
      'kabar_events_consumed_total',
      'kabar_event_dispatch_duration_seconds',
      'kabar_deliveries_total',
      'kabar_provider_request_duration_seconds',
      'kabar_provider_transient_failures_total',
      'kabar_events_dead_lettered_total',
      'kabar_whatsapp_billable_messages_total',
      'kabar_consumer_lag',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
    ])
      expect(text, name).toContain(`# HELP ${name} `);
  });

  it('counts the event, its deliveries and the provider call once an event is published', async () => {
    const before = await scrape(k);
    const sesBefore = p.ses.received.length;
    const t = await k.newTenant();
    const input = sampleEvent('appointment.completed'); // default channel: EMAIL, to the patient
    const res = await k.gql(t.service, PUBLISH, { input });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const after = await eventually(async () => {
      const text = await scrape(k);
      expect(sample(text, 'kabar_deliveries_total', { channel: 'EMAIL', status: 'SENT' })).toBe(
        sample(before, 'kabar_deliveries_total', { channel: 'EMAIL', status: 'SENT' }) + 1,
      );
      return text;
    });
    // Exactly one of each: a later second count (a duplicate send or status change) must not slip by.
    await new Promise((r) => setTimeout(r, 500));
    const settledText = await scrape(k);
    expect(sample(settledText, 'kabar_deliveries_total', { channel: 'EMAIL', status: 'SENT' })).toBe(
      sample(before, 'kabar_deliveries_total', { channel: 'EMAIL', status: 'SENT' }) + 1,
    );
    expect(sample(after, 'kabar_events_consumed_total', { type: 'appointment.completed', outcome: 'dispatched' })).toBe(
      sample(before, 'kabar_events_consumed_total', { type: 'appointment.completed', outcome: 'dispatched' }) + 1,
    );
    expect(
      sample(settledText, 'kabar_events_consumed_total', { type: 'appointment.completed', outcome: 'dispatched' }),
    ).toBe(sample(before, 'kabar_events_consumed_total', { type: 'appointment.completed', outcome: 'dispatched' }) + 1);
    expect(
      sample(settledText, 'kabar_provider_request_duration_seconds_count', { channel: 'EMAIL', outcome: 'sent' }),
    ).toBe(sample(before, 'kabar_provider_request_duration_seconds_count', { channel: 'EMAIL', outcome: 'sent' }) + 1);
    expect(p.ses.received.length).toBe(sesBefore + 1);
  });

  it('serves /healthz, /readyz and /metrics on an ops port for a process without the API role', async () => {
    const ops = await startOps(k.app, { api: false, opsPort: 0, opsHost: '127.0.0.1' });
    try {
      expect(ops.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${ops.url}/healthz`)).status).toBe(200);
      expect((await (await fetch(`${ops.url}/readyz`)).json()).checks.database.status).toBe('ok');
      expect(await (await fetch(`${ops.url}/metrics`)).text()).toContain('kabar_deliveries_total');
    } finally {
      await ops.stop();
    }
    const none = await startOps(k.app, { api: true, opsPort: 0 });
    expect(none.url).toBeUndefined(); // the API serves them already
    await none.stop();
  });
});

describe('operations endpoints with Kafka', () => {
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    KAFKA_EVENTS_TOPIC: `kabar.events.${suffix}`,
    KAFKA_DLQ_TOPIC: `kabar.events.dlq.${suffix}`,
    KAFKA_STATUS_TOPIC: `kabar.delivery-status.${suffix}`,
    KAFKA_LIVE_TOPIC: `kabar.live.${suffix}`,
    KAFKA_CONSUMER_GROUP: `kabar-dispatcher-${suffix}`,
    KAFKA_PARTITIONS: '2',
  };
  let k: TestKabar;
  let producer: Producer;

  beforeAll(async () => {
    const brokers = inject('kafkaBrokers');
    k = await startKabar({ env: { ...topics, KAFKA_BROKERS: brokers } });
    producer = new Kafka({ clientId: 'ops-test', brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  }, 90_000);
  afterAll(async () => {
    await producer?.disconnect();
    await k?.stop();
  });

  it('GET /readyz checks Kafka too (describeCluster) and reuses the answer for a few seconds', async () => {
    const first = await (await fetch(`${base(k)}/readyz`)).json();
    expect(first.status).toBe('ok');
    expect(first.checks.kafka).toMatchObject({ status: 'ok', brokers: 1 });
    const second = await (await fetch(`${base(k)}/readyz`)).json();
    expect(second.checks.kafka.cachedMs).toBeGreaterThan(0);
  });

  it('counts dead-lettered messages by reason and reports the consumer group lag per partition', async () => {
    const t = await k.newTenant();
    await producer.send({ topic: topics.KAFKA_EVENTS_TOPIC, messages: [{ key: t.id, value: '{"id": "oops"' }] });
    const text = await eventually(
      async () => {
        const text = await scrape(k);
        expect(sample(text, 'kabar_events_dead_lettered_total', { reason: 'INVALID_JSON' })).toBe(1);
        // Once the batch is committed, the group is caught up on every partition.
        for (const partition of ['0', '1'])
          expect(
            sample(text, 'kabar_consumer_lag', {
              group: topics.KAFKA_CONSUMER_GROUP,
              topic: topics.KAFKA_EVENTS_TOPIC,
              partition,
            }),
          ).toBe(0);
        expect(text).toMatch(
          new RegExp(
            `kabar_consumer_lag\\{group="${topics.KAFKA_CONSUMER_GROUP}",topic="${topics.KAFKA_EVENTS_TOPIC.replace(/\./g, '\\.')}",partition="0"\\} 0`,
          ),
        );
        return text;
      },
      20_000,
      250,
    );
    expect(sample(text, 'kabar_consumer_lag_errors_total')).toBe(0);
  });
});

describe('readiness while Kafka is down', () => {
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    KAFKA_EVENTS_TOPIC: `kabar.events.${suffix}`,
    KAFKA_DLQ_TOPIC: `kabar.events.dlq.${suffix}`,
    KAFKA_STATUS_TOPIC: `kabar.delivery-status.${suffix}`,
    KAFKA_LIVE_TOPIC: `kabar.live.${suffix}`,
    KAFKA_CONSUMER_GROUP: `kabar-dispatcher-${suffix}`,
    KAFKA_PARTITIONS: '1',
  };
  let k: TestKabar;
  let gate: Gate;

  beforeAll(async () => {
    // Kabar knows the shared broker only by an address the test can cut off (the broker must stay
    // up for the other files): to this process, a cut gate is a broker that is down.
    gate = await tcpGate(inject('kafkaBrokers'));
    k = await startKabar({ roles: ['api'], env: { ...topics, KAFKA_BROKERS: `127.0.0.1:${gate.port}` } });
  }, 90_000);
  afterAll(async () => {
    await gate.open();
    await k?.stop();
    await gate.close();
  });

  it('GET /readyz answers 503 naming Kafka while the broker cannot be reached, and 200 once it can', async () => {
    const ready = async () => {
      const res = await fetch(`${base(k)}/readyz`);
      return { status: res.status, body: (await res.json()) as any };
    };
    expect((await ready()).status).toBe(200);
    await gate.cut();
    // The last good answer is reused for a few seconds, then the probe finds no broker.
    const down = await eventually(
      async () => {
        const r = await ready();
        expect(r.status).toBe(503);
        return r.body;
      },
      15_000,
      250,
    );
    expect(down).toMatchObject({
      status: 'unavailable',
      checks: { database: { status: 'ok' }, kafka: { status: 'fail' } },
    });
    await gate.open();
    await eventually(async () => expect((await ready()).status).toBe(200), 15_000, 250);
  });
});

interface Gate {
  port: number;
  /** Refuses new connections and drops the open ones. */
  cut(): Promise<void>;
  open(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP pass-through to `target` (host:port) on a port of its own, which the test can cut and reopen. */
async function tcpGate(target: string): Promise<Gate> {
  const [host, targetPort] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  const sockets = new Set<Socket>();
  const port = await freePort();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createNetServer((client) => {
        const upstream = connect(targetPort, host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const cut = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise((r) => s.close(r));
  };
  await listen();
  return { port, cut, open: async () => void (server ?? (await listen())), close: cut };
}
