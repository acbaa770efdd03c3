import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, startKabar, type TestKabar } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

/**
 * An event re-read from Kafka after the in-memory 5-minute duplicate window, by the same running
 * dispatcher, adds nothing: the events table and the deliveries' unique index still hold. The
 * window passes on an offset clock, not in real time.
 */
describe('duplicates after the 5-minute window', () => {
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
  let p: Providers;
  let producer: Producer;
  let admin: Admin;
  let offset = 0;

  beforeAll(async () => {
    const brokers = inject('kafkaBrokers');
    p = await startProviders();
    k = await startKabar({
      channels: p.channels,
      env: { ...p.env, ...topics, KAFKA_BROKERS: brokers },
      now: () => new Date(Date.now() + offset),
    });
    const kafka = new Kafka({ clientId: 'duplicates-test', brokers: [brokers], logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect()]);
  }, 90_000);
  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await k?.stop();
    await p?.close();
  });

  /** Waits until the dispatcher's group has committed everything produced so far (`n` messages). */
  const consumed = (n: number) =>
    eventually(
      async () => {
        const [o] = await admin.fetchOffsets({
          groupId: topics.KAFKA_CONSUMER_GROUP,
          topics: [topics.KAFKA_EVENTS_TOPIC],
        });
        expect(o!.partitions[0]!.offset).toBe(String(n));
      },
      20_000,
      100,
    );

  it('the same event produced again 6 minutes later yields no delivery and no provider call', async () => {
    const t = await k.newTenant();
    const e = sampleEvent('appointment.completed'); // one email to the patient
    const message = { key: t.id, value: JSON.stringify({ ...e, tenantId: t.id }) };
    const rows = async () =>
      (
        await k.gql(
          t.admin,
          'query($e: String) { deliveries(filter: { eventId: $e }) { edges { node { channel status } } } }',
          { e: e.id },
        )
      ).data.deliveries.edges.map((x: any) => x.node);
    const mails = () =>
      p.ses.received.filter(
        (m) => m.to[0] === 'siti@example.id' && m.text?.includes((e.data as any).appointment.bookingReference),
      ).length;

    await producer.send({ topic: topics.KAFKA_EVENTS_TOPIC, messages: [message] });
    await eventually(async () => expect(await rows()).toEqual([{ channel: 'EMAIL', status: 'SENT' }]));
    expect(mails()).toBe(1);

    offset = 6 * 60_000; // past the 5-minute window: the in-memory fast path has forgotten the event
    await producer.send({ topic: topics.KAFKA_EVENTS_TOPIC, messages: [message] });
    await consumed(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(await rows()).toEqual([{ channel: 'EMAIL', status: 'SENT' }]);
    expect(mails()).toBe(1);
  });
});
