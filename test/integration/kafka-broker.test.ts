import { createHook } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { kafkaRelease } from '../../scripts/kafka/versions.js';
import { ensureTopics, parseBrokers } from '../../src/kafka/kafka-admin.js';

const brokers = inject('kafkaBrokers');
const kafka = new Kafka({ clientId: 'kabar-test', brokers: parseBrokers(brokers), logLevel: logLevel.NOTHING });
const topic = `kabar.test.broker.${randomUUID()}`;

describe('Kafka broker', () => {
  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it('ensureTopics creates a topic once and accepts being called again', async () => {
    await ensureTopics(brokers, [{ topic, numPartitions: 3 }], 'kabar-test');
    await ensureTopics(brokers, [{ topic, numPartitions: 3 }], 'kabar-test');
    const admin = kafka.admin();
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.disconnect();
    expect(topics[0]?.partitions).toHaveLength(3);
  });

  it('round-trips 100 keyed messages through a consumer group', async () => {
    const sent = new Map(Array.from({ length: 100 }, (_, i) => [`key-${i}`, `value-${i}`]));
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [...sent].map(([key, value]) => ({ key, value })) });
    await producer.disconnect();

    const received: { key: string; value: string; partition: number }[] = [];
    // A short fetch wait: disconnect() waits for the fetch in flight (5 s by default).
    const consumer = kafka.consumer({ groupId: `kabar-test-${randomUUID()}`, maxWaitTimeInMs: 250 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const all = new Promise<void>((done) => {
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          received.push({ key: message.key!.toString(), value: message.value!.toString(), partition });
          if (received.length === sent.size) done();
        },
      });
    });
    await all;
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would show up here
    await consumer.disconnect();

    expect(received).toHaveLength(100);
    expect(new Map(received.map((m) => [m.key, m.value]))).toEqual(sent);
    // Keys spread the load over every partition.
    expect(new Set(received.map((m) => m.partition)).size).toBe(3);
  });

  it('an idle producer and consumer leave the event loop alone (the kafkajs patch in scripts/patch-deps.mjs)', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] });
    const consumer = kafka.consumer({ groupId: `kabar-test-${randomUUID()}`, maxWaitTimeInMs: 250 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({ eachMessage: async () => {} });
    await new Promise((r) => setTimeout(r, 1000)); // joined and fetching
    // Unpatched, every connection re-arms a 1 ms timer forever: thousands of timers a second.
    let timers = 0;
    const hook = createHook({ init: (_id, type) => void (type === 'Timeout' && timers++) }).enable();
    await new Promise((r) => setTimeout(r, 1000));
    hook.disable();
    await consumer.disconnect();
    await producer.disconnect();
    // What remains is real work: a fetch every 250 ms with its timeouts, heartbeats.
    expect(timers).toBeLessThan(200);
  });

  // npm test runs the newest Kafka 4.x, .ci/run's reliability suite 3.9 (KABAR_TEST_KAFKA_VERSION=3.9).
  const local = inject('kafkaVersion') !== '';
  it.skipIf(!local)('the local broker is the Kafka line asked for, as the broker itself reports', async () => {
    const release = kafkaRelease();
    expect(inject('kafkaVersion')).toBe(release.version);
    // Kafka 4.0 removed message formats v0/v1 and with them log.message.format.version (KIP-724).
    const FORMAT = 'log.message.format.version';
    const admin = kafka.admin();
    await admin.connect();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: [FORMAT, 'log.retention.hours'] }],
    });
    await admin.disconnect();
    const names = resources[0]!.configEntries.map((e) => e.configName).sort();
    expect(names).toEqual(release.major === 3 ? [FORMAT, 'log.retention.hours'] : ['log.retention.hours']);
  });
});
