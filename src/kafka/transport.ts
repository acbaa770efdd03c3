import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { LiveMessage } from '../events/bus.js';
import { kafkaSink, type EventSink } from '../ingest.js';
import { instrumentProducer } from '../metrics.js';
import { ensureTopics } from './kafka-admin.js';
import { createBatchedSender, createKafka, createProducer } from './kafka-client.js';

/** Servers mode's Kafka: the topics made sure of, one producer, and what the runtime hands out. */
export interface KafkaTransport {
  kafka: Kafka;
  /** Counts what it writes to the dead-letter topic. */
  producer: Producer;
  /** The core's bus forwards every change here: kabar.live, and kabar.delivery-status for partners. */
  forwardLive(m: LiveMessage): void;
  /** Accepted partner events go to kabar.events. */
  sink: EventSink;
  /** Sends what is queued, then disconnects the producer. */
  stop(): Promise<void>;
}

export async function openKafka(config: Config, brokers: string, log: Logger): Promise<KafkaTransport> {
  await ensureTopics(
    brokers,
    [
      { topic: config.KAFKA_EVENTS_TOPIC, numPartitions: config.KAFKA_PARTITIONS },
      { topic: config.KAFKA_DLQ_TOPIC, numPartitions: config.KAFKA_PARTITIONS },
      { topic: config.KAFKA_STATUS_TOPIC, numPartitions: config.KAFKA_PARTITIONS },
      { topic: config.KAFKA_LIVE_TOPIC, numPartitions: 1 },
    ],
    config.KAFKA_CLIENT_ID,
  );
  const kafka = createKafka(brokers, config.KAFKA_CLIENT_ID, log);
  const producer = instrumentProducer(await createProducer(kafka), config.KAFKA_DLQ_TOPIC);
  const live = createBatchedSender(producer, (err) => log.error({ err }, 'could not publish live changes to Kafka'));
  return {
    kafka,
    producer,
    forwardLive(m) {
      const key = m.payload.tenantId;
      const messages = [{ topic: config.KAFKA_LIVE_TOPIC, messages: [{ key, value: JSON.stringify(m) }] }];
      if (m.topic === 'delivery.status') {
        const { delivery: _snapshot, ...forPartners } = m.payload;
        messages.push({ topic: config.KAFKA_STATUS_TOPIC, messages: [{ key, value: JSON.stringify(forPartners) }] });
      }
      live.send(messages);
    },
    sink: kafkaSink(producer, config.KAFKA_EVENTS_TOPIC),
    async stop() {
      await live.drain();
      await producer.disconnect().catch(() => {});
    },
  };
}
