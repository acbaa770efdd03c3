import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Dispatcher } from '../dispatcher.js';
import { headerStrings } from '../kafka/client.js';
import { decodeEnvelope } from './envelope.js';
import { createKeyedQueue, orderingKey } from './keyed-queue.js';

export interface EventsConsumerOptions {
  topic: string;
  dlqTopic: string;
  groupId: string;
  maxInFlight: number;
  partitionsConsumedConcurrently?: number;
}

/**
 * The dispatcher's consumer group on kabar.events. Each batch: decode and validate every
 * message (bad ones go to the DLQ with the original bytes and a reason header), dispatch the
 * good ones (same appointment/patient in order, up to maxInFlight at once), and commit the
 * batch's offsets only when every outcome is durably recorded. A crash re-reads; dispatch is
 * idempotent, so nothing is sent twice.
 */
export async function startEventsConsumer(kafka: Kafka, producer: Producer, dispatcher: Dispatcher, opts: EventsConsumerOptions, log: Logger): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: opts.groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxWaitTimeInMs: 250, maxBytesPerPartition: 256 * 1024, maxBytes: 1024 * 1024, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
  const queue = createKeyedQueue(opts.maxInFlight);

  async function deadLetter(partition: number, m: KafkaMessage, reason: string) {
    log.warn({ tenantId: m.key?.toString('utf8').slice(0, 64), partition, offset: m.offset, reason }, 'event sent to the dead-letter topic');
    await producer.send({
      topic: opts.dlqTopic,
      messages: [{
        key: m.key,
        value: m.value,
        headers: { ...m.headers, 'kabar-dlq-reason': reason, 'kabar-dlq-topic': opts.topic, 'kabar-dlq-partition': String(partition), 'kabar-dlq-offset': m.offset, 'kabar-dlq-at': new Date().toISOString() },
      }],
    });
  }

  async function handle(partition: number, m: KafkaMessage) {
    const decoded = decodeEnvelope(m.value, headerStrings(m.headers), m.key?.toString('utf8') ?? null);
    if (!decoded.ok) return deadLetter(partition, m, decoded.reason);
    const { tenantId, event } = decoded;
    const outcome = await queue.run(orderingKey(tenantId, event.id, event.data), () => dispatcher.handle(tenantId, event));
    if (outcome.kind === 'unknown-tenant') await deadLetter(partition, m, `UNKNOWN_TENANT: ${tenantId}`);
  }

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 3,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      const beat = setInterval(() => void heartbeat().catch(() => {}), 2_000);
      try {
        await Promise.all(batch.messages.map((m) => handle(batch.partition, m)));
      } finally {
        clearInterval(beat);
      }
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      // Resolving moves the fetch position on; committing makes it survive a restart.
      resolveOffset(batch.lastOffset());
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    },
  });
  return consumer;
}
