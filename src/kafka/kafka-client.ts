import { Kafka, logLevel, type Message, type Producer, type TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';

const REBALANCING = /rebalanc/i;

/** One kafkajs client per process, logging through pino at warn and above. */
export function createKafka(brokers: string, clientId: string, log: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers: brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 10 },
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...extra } = entry;
        // A rebalance is routine (a member joined or left); kafkajs reports it as an error response.
        const routine = typeof extra.error === 'string' && REBALANCING.test(extra.error);
        if (level <= logLevel.ERROR && !routine) log.error({ kafka: extra }, message);
        else log.warn({ kafka: extra }, message);
      },
  });
}

export async function createProducer(kafka: Kafka): Promise<Producer> {
  // Idempotent producer: a retried send cannot write the same record twice.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

/** kafkajs header values as plain strings. */
export function headerStrings(headers: Record<string, unknown> | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    out[k.toLowerCase()] = first == null ? undefined : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

/**
 * Fire-and-forget records (live changes, partner status), produced in batches: whatever is queued
 * while a send is in flight goes out in the next sendBatch, in order. One produce per status
 * change cost a broker round trip and its CPU each.
 */
export function createBatchedSender(producer: Producer, onError: (err: unknown) => void) {
  let queue: TopicMessages[] = [];
  let sending: Promise<void> | null = null;
  async function flush() {
    while (queue.length) {
      const batch = queue;
      queue = [];
      const byTopic = new Map<string, Message[]>();
      for (const t of batch) {
        const list = byTopic.get(t.topic) ?? [];
        list.push(...t.messages);
        byTopic.set(t.topic, list);
      }
      await producer
        .sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) })
        .catch(onError);
    }
    sending = null;
  }
  return {
    send(topicMessages: TopicMessages[]) {
      queue.push(...topicMessages);
      sending ??= Promise.resolve().then(flush);
    },
    /** Resolves once everything queued so far is produced (or has failed). */
    async drain() {
      while (sending) await sending;
    },
  };
}
