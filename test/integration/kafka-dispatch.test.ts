import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createClient } from 'graphql-ws';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

/** Servers mode: a real Kafka broker, an API process and a dispatcher process that share only Kafka and PostgreSQL. */
describe('dispatch through Kafka', () => {
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    KAFKA_EVENTS_TOPIC: `kabar.events.${suffix}`,
    KAFKA_DLQ_TOPIC: `kabar.events.dlq.${suffix}`,
    KAFKA_STATUS_TOPIC: `kabar.delivery-status.${suffix}`,
    KAFKA_LIVE_TOPIC: `kabar.live.${suffix}`,
    KAFKA_CONSUMER_GROUP: `kabar-dispatcher-${suffix}`,
    KAFKA_PARTITIONS: '3',
  };
  let api: TestKabar;
  let dispatcher: TestKabar;
  let p: Providers;
  let kafka: Kafka;
  let producer: Producer;
  const consumers: Consumer[] = [];
  let t: TestTenant;

  beforeAll(async () => {
    const brokers = inject('kafkaBrokers');
    p = await startProviders();
    const env = { ...p.env, ...topics, KAFKA_BROKERS: brokers };
    dispatcher = await startKabar({ channels: p.channels, env, roles: ['dispatcher'] });
    api = await startKabar({ channels: p.channels, env, roles: ['api'] });
    kafka = new Kafka({ clientId: 'test', brokers: [brokers], logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    t = await api.newTenant();
  }, 90_000);
  afterAll(async () => {
    for (const c of consumers) await c.disconnect();
    await producer.disconnect();
    await api.stop();
    await dispatcher.stop();
    await p.close();
  });

  /** Every message of a topic from the beginning, collected as they arrive. */
  async function collect(topic: string) {
    const seen: { key: string | null; value: string | null; headers: Record<string, string> }[] = [];
    const c = kafka.consumer({ groupId: `test-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({
      eachMessage: async ({ message }) =>
        void seen.push({
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        }),
    });
    consumers.push(c);
    return seen;
  }

  const deliveriesOf = async (tenant: TestTenant, eventId: string) =>
    (
      await api.gql(
        tenant.admin,
        'query($e: String) { deliveries(filter: { eventId: $e }) { edges { node { channel status } } } }',
        { e: eventId },
      )
    ).data.deliveries.edges.map((e: any) => e.node);

  it('delivers valid events in every envelope form and dead-letters each bad one with its reason, the partition flowing on', async () => {
    const dlq = await collect(topics.KAFKA_DLQ_TOPIC);
    const plain = sampleEvent('report.ready');
    const structured = sampleEvent('report.ready');
    const binary = sampleEvent('report.ready');
    const value = (e: ReturnType<typeof sampleEvent>) => JSON.stringify({ ...e, tenantId: t.id });
    const bad: [string, { key: string; value: string; headers?: Record<string, string> }][] = [
      ['INVALID_JSON', { key: t.id, value: '{"id": "oops"' }],
      [
        'UNKNOWN_TYPE',
        {
          key: t.id,
          value: JSON.stringify({ ...sampleEvent('report.ready'), type: 'report.exploded', tenantId: t.id }),
        },
      ],
      [
        'INVALID_DATA',
        {
          key: t.id,
          value: JSON.stringify({ ...sampleEvent('report.ready'), data: { patient: { id: 'p' } }, tenantId: t.id }),
        },
      ],
      ['KEY_MISMATCH', { key: randomUUID(), value: value(sampleEvent('report.ready')) }],
      [
        'RESERVED_TYPE',
        {
          key: t.id,
          value: JSON.stringify({ ...sampleEvent('report.ready'), type: 'credit.insufficient', tenantId: t.id }),
        },
      ],
      ['INVALID_ENVELOPE', { key: t.id, value: JSON.stringify({ id: 'x', type: 'report.ready' }) }],
    ];
    const unknownTenant = randomUUID();
    await producer.send({
      topic: topics.KAFKA_EVENTS_TOPIC,
      messages: [
        bad[0]![1],
        { key: t.id, value: value(plain) },
        bad[1]![1],
        bad[2]![1],
        {
          key: t.id,
          value: JSON.stringify({
            specversion: '1.0',
            id: structured.id,
            source: '/emr',
            type: structured.type,
            time: structured.occurredAt,
            tenantid: t.id,
            datacontenttype: 'application/json',
            data: structured.data,
          }),
          headers: { 'content-type': 'application/cloudevents+json' },
        },
        bad[3]![1],
        {
          key: t.id,
          value: JSON.stringify(binary.data),
          headers: {
            ce_specversion: '1.0',
            ce_id: binary.id,
            ce_type: binary.type,
            ce_source: '/emr',
            ce_time: binary.occurredAt,
            ce_tenantid: t.id,
          },
        },
        bad[4]![1],
        bad[5]![1],
        { key: unknownTenant, value: JSON.stringify({ ...sampleEvent('report.ready'), tenantId: unknownTenant }) },
      ],
    });
    for (const e of [plain, structured, binary]) {
      await eventually(async () => {
        const rows = await deliveriesOf(t, e.id);
        // This tenant has WhatsApp off: email is sent, WhatsApp recorded as skipped.
        expect(rows.map((r: any) => `${r.channel}:${r.status}`).sort()).toEqual(['EMAIL:SENT', 'WHATSAPP:SKIPPED']);
      }, 20_000);
    }
    await eventually(() => expect(dlq).toHaveLength(bad.length + 1), 20_000);
    for (const [reason, msg] of bad) {
      const found = dlq.find((d) => d.value === msg.value && d.key === msg.key);
      expect(found, reason).toBeDefined();
      expect(found!.headers['kabar-dlq-reason']).toMatch(new RegExp(`^${reason}`));
      expect(found!.headers['kabar-dlq-topic']).toBe(topics.KAFKA_EVENTS_TOPIC);
    }
    expect(dlq.find((d) => d.key === unknownTenant)!.headers['kabar-dlq-reason']).toMatch(/^UNKNOWN_TENANT/);
  }, 60_000);

  it('publishEvent in servers mode goes through Kafka; a re-read event sends nothing twice', async () => {
    const e = sampleEvent('appointment.completed');
    const res = await api.gql(
      t.service,
      'mutation($input: EventInput!) { publishEvent(input: $input) { accepted duplicate } }',
      { input: e },
    );
    expect(res.data.publishEvent).toEqual({ accepted: true, duplicate: false });
    await eventually(
      async () => expect((await deliveriesOf(t, e.id)).map((r: any) => r.status)).toEqual(['SENT']),
      20_000,
    );
    // The same event produced again (a partner's retry, or a re-read after a crash).
    await producer.send({
      topic: topics.KAFKA_EVENTS_TOPIC,
      messages: [{ key: t.id, value: JSON.stringify({ ...e, tenantId: t.id }) }],
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await deliveriesOf(t, e.id)).toHaveLength(1);
    expect(
      p.ses.received.filter((m) => m.subject && m.text?.includes((e.data as any).appointment.bookingReference)),
    ).toHaveLength(1);
  }, 40_000);

  it('streams status changes made by the dispatcher process to the API process subscribers, own tenant only, and to kabar.delivery-status', async () => {
    const other = await api.newTenant();
    const statusTopic = await collect(topics.KAFKA_STATUS_TOPIC);
    const ws = api.url.replace(/^http/, 'ws');
    const connect = (token: string) =>
      createClient({
        url: ws,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
      });
    const mine = connect(t.staff);
    const theirs = connect(other.staff);
    const got: any[] = [];
    const leaked: any[] = [];
    const fields = 'id eventId channel status reason recipient providerMessageId cost renderedBody createdAt updatedAt';
    const q = `subscription { deliveryStatusChanged(status: SENT) { ${fields} } }`;
    mine.subscribe({ query: q }, { next: (v) => void got.push(v.data), error: () => {}, complete: () => {} });
    theirs.subscribe(
      { query: 'subscription { deliveryStatusChanged { eventId } }' },
      { next: (v) => void leaked.push(v), error: () => {}, complete: () => {} },
    );
    await new Promise((r) => setTimeout(r, 1500));
    const e = sampleEvent('appointment.completed');
    await producer.send({
      topic: topics.KAFKA_EVENTS_TOPIC,
      messages: [{ key: t.id, value: JSON.stringify({ ...e, tenantId: t.id }) }],
    });
    await eventually(
      () => expect(got).toMatchObject([{ deliveryStatusChanged: { eventId: e.id, channel: 'EMAIL', status: 'SENT' } }]),
      20_000,
    );
    // What a subscriber is told is the delivery as stored, provider id and timestamps included.
    const stored = await api.gql(
      t.admin,
      `query($e: String) { deliveries(first: 5, filter: { eventId: $e }) { edges { node { ${fields} } } } }`,
      { e: e.id },
    );
    expect(got[0].deliveryStatusChanged).toEqual(stored.data.deliveries.edges[0].node);
    expect(got[0].deliveryStatusChanged.providerMessageId).toMatch(/\S/);
    await eventually(() =>
      expect(
        statusTopic.some(
          (m) => m.key === t.id && JSON.parse(m.value!).eventId === e.id && JSON.parse(m.value!).status === 'SENT',
        ),
      ).toBe(true),
    );
    expect(leaked).toEqual([]);
    // The API's live group (new every start, read from the end) commits nothing: a commit would
    // never be read back, and each one is a write for the broker.
    const admin = kafka.admin();
    await admin.connect();
    const live = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(`kabar-live-${hostname()}-${process.pid}-`));
    expect(live.length).toBeGreaterThan(0);
    for (const groupId of live) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topics.KAFKA_LIVE_TOPIC] });
      expect(offsets!.partitions.map((p) => p.offset)).toEqual(['-1']);
    }
    await admin.disconnect();
    await mine.dispose();
    await theirs.dispose();
    void platformToken;
  }, 40_000);
});
