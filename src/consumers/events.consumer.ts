import { createHash } from 'node:crypto';
import {
  CompressionTypes,
  type Batch,
  type Consumer,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import type { Logger } from 'pino';
import type { Dispatcher } from '../dispatcher.js';
import { causes } from '../domain-errors.js';
import { headerStrings } from '../kafka/kafka-client.js';
import { decodeEnvelope, MAX_EVENT_BYTES, type EventEnvelope } from '../events/envelope.js';
import { createKeyedQueue } from './keyed-queue.js';

interface Decoded {
  m: KafkaMessage;
  event: EventEnvelope;
}

export interface EventsConsumerOptions {
  topic: string;
  dlqTopic: string;
  groupId: string;
  maxInFlight: number;
  /** Events of one tenant recorded in one transaction. */
  maxBatchEvents: number;
  partitionsConsumedConcurrently?: number;
  /** How long a member that died without leaving keeps its partitions (KAFKA_SESSION_TIMEOUT_MS). */
  sessionTimeoutMs?: number;
}

/**
 * The dispatcher's consumer group on kabar.events. Each batch: decode and validate every
 * message (bad ones go to the DLQ with the original bytes and a reason header), dispatch the
 * good ones tenant by tenant (each tenant's events in offset order, recorded in one transaction
 * per unit; tenants overlap up to maxInFlight units), and commit the batch's offsets only when
 * every outcome is durably recorded. A crash re-reads; dispatch is idempotent, so nothing is
 * sent twice. When a batch fails (the database is down), kafkajs retries it: the messages it
 * already dead-lettered are remembered by offset and not dead-lettered again. A message that
 * fails dispatch for a reason of its own (the database rejects its data) is dead-lettered as
 * UNPROCESSABLE instead of blocking its partition.
 */
export async function startEventsConsumer(
  kafka: Kafka,
  producer: Producer,
  dispatcher: Dispatcher,
  opts: EventsConsumerOptions,
  log: Logger,
): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: 256 * 1024,
    maxBytes: 1024 * 1024,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
  const queue = createKeyedQueue(opts.maxInFlight);
  // Offsets dead-lettered but not committed yet, per partition: a retried batch skips them.
  const deadLettered = new Map<number, Set<string>>();
  // Batches being handled, and whether a graceful stop is waiting for them.
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  async function deadLetter(partition: number, m: KafkaMessage, reason: string) {
    log.warn(
      { tenantId: m.key?.toString('utf8').slice(0, 64), partition, offset: m.offset, reason },
      'event sent to the dead-letter topic',
    );
    const provenance = {
      'kabar-dlq-topic': opts.topic,
      'kabar-dlq-partition': String(partition),
      'kabar-dlq-offset': m.offset,
      'kabar-dlq-at': new Date().toISOString(),
    };
    const send = (value: Buffer | null, headers: IHeaders) =>
      producer.send({
        topic: opts.dlqTopic,
        // The copy carries more headers than the original: a value the broker only just took
        // would not fit again uncompressed (and one beyond MAX_EVENT_BYTES came compressed).
        ...((value?.length ?? 0) > MAX_EVENT_BYTES / 2 ? { compression: CompressionTypes.GZIP } : {}),
        messages: [{ key: m.key, value, headers }],
      });
    try {
      await send(m.value, { ...m.headers, 'kabar-dlq-reason': reason, ...provenance });
    } catch (err) {
      if (!tooLarge(err) || !m.value) throw err;
      // Incompressible and too large for the dead-letter topic: record it without its value,
      // which stays readable at its topic, partition and offset until retention removes it.
      const omitted = {
        'kabar-dlq-value-omitted': String(m.value.length),
        'kabar-dlq-value-sha256': createHash('sha256').update(m.value).digest('hex'),
      };
      const note = `${reason} (the ${m.value.length}-byte value is too large for the dead-letter topic and was not copied: it is at ${opts.topic}/${partition}/${m.offset})`;
      log.error(
        { partition, offset: m.offset, bytes: m.value.length },
        'dead-letter copy too large; sent without its value',
      );
      try {
        await send(null, { ...m.headers, 'kabar-dlq-reason': note, ...provenance, ...omitted });
      } catch (again) {
        if (!tooLarge(again)) throw again;
        await send(null, {
          'kabar-dlq-reason': `${note}; its headers were too large as well`,
          ...provenance,
          ...omitted,
        });
      }
    }
    let done = deadLettered.get(partition);
    if (!done) deadLettered.set(partition, (done = new Set()));
    done.add(m.offset);
  }

  /**
   * One tenant's events of a batch, in offset order, as one unit of work. If the database
   * rejects the data, the unit is redone one event at a time (in order) to find the message to
   * dead-letter; the others are recorded as usual.
   */
  async function dispatch(partition: number, tenantId: string, items: Decoded[]): Promise<void> {
    let outcomes;
    try {
      outcomes = await dispatcher.handleMany(
        tenantId,
        items.map((i) => i.event),
      );
    } catch (err) {
      const problem = unprocessable(err);
      if (!problem) throw err;
      if (items.length > 1) {
        for (const item of items) await dispatch(partition, tenantId, [item]);
        return;
      }
      const { m, event } = items[0]!;
      log.error(
        { err, tenantId, eventId: event.id, partition, offset: m.offset },
        'the database rejected this event; dead-lettering it',
      );
      return deadLetter(partition, m, `UNPROCESSABLE: ${problem}`);
    }
    for (const [i, o] of outcomes.entries()) {
      if (o.kind === 'unknown-tenant') await deadLetter(partition, items[i]!.m, `UNKNOWN_TENANT: ${tenantId}`);
      // A phone that is no number in the tenant's country (known only now, not when decoding).
      else if (o.kind === 'invalid') await deadLetter(partition, items[i]!.m, o.reason);
    }
  }

  /** Dead-letters what cannot be decoded; groups the rest by tenant, in offset order, in units of at most maxBatchEvents. */
  function plan(partition: number, messages: KafkaMessage[]): { bad: Promise<void>[]; units: [string, Decoded[]][] } {
    const bad: Promise<void>[] = [];
    const byTenant = new Map<string, Decoded[]>();
    for (const m of messages) {
      if (deadLettered.get(partition)?.has(m.offset)) continue;
      const decoded = decodeEnvelope(m.value, headerStrings(m.headers), m.key?.toString('utf8') ?? null);
      if (!decoded.ok) {
        bad.push(deadLetter(partition, m, decoded.reason));
        continue;
      }
      const list = byTenant.get(decoded.tenantId) ?? [];
      list.push({ m, event: decoded.event });
      byTenant.set(decoded.tenantId, list);
    }
    const units: [string, Decoded[]][] = [];
    for (const [tenantId, list] of byTenant)
      for (let i = 0; i < list.length; i += opts.maxBatchEvents)
        units.push([tenantId, list.slice(i, i + opts.maxBatchEvents)]);
    return { bad, units };
  }

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 3,
    eachBatch: async ({ batch, heartbeat, isStale, resolveOffset }) => {
      // Shutting down: take nothing new (this batch is re-read by whoever owns the partition next).
      if (draining) return;
      inFlight++;
      try {
        await handleBatch(batch, heartbeat, isStale, resolveOffset);
      } finally {
        if (--inFlight === 0) idle?.();
      }
    },
  });

  async function handleBatch(
    batch: Batch,
    heartbeat: () => Promise<void>,
    isStale: () => boolean,
    resolveOffset: (offset: string) => void,
  ) {
    const beat = setInterval(() => void heartbeat().catch(() => {}), 2_000);
    const first = batch.firstOffset();
    const done = deadLettered.get(batch.partition);
    if (done && first !== null) for (const o of done) if (BigInt(o) < BigInt(first)) done.delete(o);
    try {
      // Every unit settles before a failure is reported: a retry must not race the dead-letter
      // sends of this attempt. A tenant's units run one after another (the queue is keyed by
      // tenant); different tenants overlap, up to maxInFlight units.
      const { bad, units } = plan(batch.partition, batch.messages);
      const results = await Promise.allSettled([
        ...bad,
        ...units.map(([tenantId, items]) => queue.run(tenantId, () => dispatch(batch.partition, tenantId, items))),
      ]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      clearInterval(beat);
    }
    // A batch finished while shutting down is still committed (SIGTERM redoes nothing); a
    // stale one (its partition moved in a rebalance) is not: the new owner re-reads it.
    if (isStale() || batch.messages.length === 0) return;
    // Resolving moves the fetch position on; committing makes it survive a restart.
    resolveOffset(batch.lastOffset());
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    if (done) for (const o of done) if (BigInt(o) < BigInt(next)) done.delete(o);
  }

  // kafkajs drops commits once disconnect() has begun, so a graceful stop first lets the batches
  // in flight finish and commit while the consumer still runs: SIGTERM redoes nothing.
  return {
    ...consumer,
    async disconnect() {
      draining = true;
      consumer.pause([{ topic: opts.topic }]);
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      await consumer.disconnect();
    },
  };
}

/** kafkajs's error (or one it wraps) for a record above the broker's or topic's size limit. */
function tooLarge(err: unknown): boolean {
  return causes(err).some((e) => e.type === 'MESSAGE_TOO_LARGE' || e.type === 'RECORD_LIST_TOO_LARGE');
}

/**
 * Whether a dispatch error belongs to the message rather than to the moment: PostgreSQL data
 * exceptions (SQLSTATE class 22: a value it cannot store) and program limits (class 54). Those
 * fail the same way on every retry, so the message is dead-lettered instead of blocking its
 * partition. Connection failures and everything else are retried. Returns the reason text.
 */
function unprocessable(err: unknown): string | undefined {
  const e = causes(err).find((c) => typeof c.code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(c.code));
  return e ? `${e.code as string} ${String(e.message).slice(0, 200)}` : undefined;
}
