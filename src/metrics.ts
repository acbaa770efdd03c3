// Prometheus metrics (GET /metrics). One registry per process: every runtime started in the
// process (tests start several) feeds the same counters, like the process metrics beside them.
//
// Nothing here reaches into the services: each wrapper returns a new object (src/core.ts, src/runtime.ts):
//   - the channel adapters (instrumentChannels): provider latency, outcomes, transient failures;
//   - the bus (instrumentBus): every 'delivery.status' publish, i.e. every delivery status change,
//     counted once in the process that made it (counting on the live consumer would count it in
//     every API instance);
//   - the dispatcher's handleMany (timedHandleMany): events handled by type and outcome;
//   - the producer (instrumentProducer): messages written to the dead-letter topic, by reason code;
//   - a kafkajs admin read on scrape (watchConsumerLag): the dispatchers' consumer-group lag.
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Channels, SendOutcome } from './channels/channel.types.js';
import { reasonCode } from './dlq-reason.js';
import type { Bus } from './events/bus.js';
import { parseBrokers } from './kafka/kafka-admin.js';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const registers = [registry];

export const metrics = {
  eventsConsumed: new Counter({
    name: 'kabar_events_consumed_total',
    help: "Events handled by the dispatcher (Kafka, HTTP ingest in embedded mode, and Kabar's own events), by type and outcome (dispatched, duplicate, unknown_tenant, error)",
    labelNames: ['type', 'outcome'] as const,
    registers,
  }),
  eventDuration: new Histogram({
    name: 'kabar_event_dispatch_duration_seconds',
    help: 'Time to handle one event: the dispatch transaction plus the first send attempt of its messages',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  }),
  deliveries: new Counter({
    name: 'kabar_deliveries_total',
    help: 'Delivery status changes (QUEUED on a manual retry, SENT, DELIVERED, READ, FAILED, SKIPPED), by channel and new status; counted once, in the process that made the change',
    labelNames: ['channel', 'status'] as const,
    registers,
  }),
  providerDuration: new Histogram({
    name: 'kabar_provider_request_duration_seconds',
    help: 'Provider send calls, by channel and outcome (sent, transient, permanent, error = the adapter threw)',
    labelNames: ['channel', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  }),
  transientFailures: new Counter({
    name: 'kabar_provider_transient_failures_total',
    help: 'Provider answers classed transient (timeouts, 429, 5xx, documented transient codes): each one is a retry scheduled, or the last attempt failing',
    labelNames: ['channel'] as const,
    registers,
  }),
  deadLettered: new Counter({
    name: 'kabar_events_dead_lettered_total',
    help: 'Messages written to the dead-letter topic, by reason code (INVALID_JSON, INVALID_DATA, UNKNOWN_TENANT...)',
    labelNames: ['reason'] as const,
    registers,
  }),
  whatsappBillable: new Counter({
    name: 'kabar_whatsapp_billable_messages_total',
    help: 'WhatsApp deliveries that reached SENT: each was paid (one message price debited from the tenant credit when it was queued); a later FAILED refunds it',
    registers,
  }),
  consumerLagErrors: new Counter({
    name: 'kabar_consumer_lag_errors_total',
    help: 'Scrapes where the consumer-group lag could not be read from Kafka',
    registers,
  }),
};
export type Metrics = typeof metrics;

const instrumented = new WeakSet<object>();

/** One dead-lettered message (already counted when the runtime's producer is instrumented). */
export function recordDeadLetter(reason: string, m: Metrics = metrics): void {
  m.deadLettered.inc({ reason: reasonCode(reason) });
}

function outcomeLabel(o: SendOutcome): 'sent' | 'transient' | 'permanent' {
  return o.ok ? 'sent' : o.transient ? 'transient' : 'permanent';
}

/**
 * The same adapters, timed: latency by channel and outcome, transient failures counted.
 * Returns a new object (the given one is left as it was); registerWebhook passes through.
 */
export function instrumentChannels(channels: Channels, m: Metrics = metrics): Channels {
  if (instrumented.has(channels)) return channels;
  const timed =
    <A>(channel: string, send: (msg: A) => Promise<SendOutcome>) =>
    async (msg: A): Promise<SendOutcome> => {
      const end = m.providerDuration.startTimer({ channel });
      try {
        const outcome = await send(msg);
        end({ outcome: outcomeLabel(outcome) });
        if (!outcome.ok && outcome.transient) m.transientFailures.inc({ channel });
        return outcome;
      } catch (err) {
        end({ outcome: 'error' });
        throw err;
      }
    };
  const { whatsapp, email, sms, push } = channels;
  const wrapped: Channels = {
    whatsapp: {
      send: timed('WHATSAPP', (x) => whatsapp.send(x)),
      sendText: timed('WHATSAPP', (x) => whatsapp.sendText(x)),
      registerWebhook: (apiKey, url, secret) => whatsapp.registerWebhook(apiKey, url, secret),
    },
    email: { send: timed('EMAIL', (x) => email.send(x)) },
    sms: { send: timed('SMS', (x) => sms.send(x)) },
    push: { send: timed('PUSH', (x) => push.send(x)) },
  };
  instrumented.add(wrapped);
  return wrapped;
}

/** The same bus, counting every delivery status change announced on it (the given one is left as it was). */
export function instrumentBus(bus: Bus, m: Metrics = metrics): Bus {
  if (instrumented.has(bus)) return bus;
  const counted: Bus = {
    ...bus,
    publish(topic, payload) {
      try {
        bus.publish(topic, payload);
      } finally {
        if (topic === 'delivery.status') {
          const p = payload as { channel: string; status: string };
          m.deliveries.inc({ channel: p.channel, status: p.status });
          if (p.channel === 'WHATSAPP' && p.status === 'SENT') m.whatsappBillable.inc();
        }
      }
    },
  };
  instrumented.add(counted);
  return counted;
}

/**
 * The dispatcher's handleMany, counted and timed: events handled, by type and outcome. Events
 * handled together each count the batch's time: that is how long each of them took.
 */
export function timedHandleMany<E extends { type: string }, O extends { kind: string }>(
  handleMany: (tenantId: string, list: E[]) => Promise<O[]>,
  m: Metrics = metrics,
): (tenantId: string, list: E[]) => Promise<O[]> {
  return async (tenantId, list) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const outcomes = await handleMany(tenantId, list);
      const took = seconds();
      for (const [i, o] of outcomes.entries()) {
        const label = o.kind.replace('-', '_');
        m.eventsConsumed.inc({ type: list[i]!.type, outcome: label });
        m.eventDuration.observe({ outcome: label }, took);
      }
      return outcomes;
    } catch (err) {
      const took = seconds();
      for (const e of list) {
        m.eventsConsumed.inc({ type: e.type, outcome: 'error' });
        m.eventDuration.observe({ outcome: 'error' }, took);
      }
      throw err;
    }
  };
}

/**
 * The same producer, counting the messages it writes to the dead-letter topic by their
 * kabar-dlq-reason header (the given one is left as it was).
 */
export function instrumentProducer(producer: Producer, dlqTopic: string, m: Metrics = metrics): Producer {
  if (instrumented.has(producer)) return producer;
  const counted: Producer = {
    ...producer,
    async send(record) {
      const result = await producer.send(record);
      if (record.topic === dlqTopic) {
        for (const msg of record.messages) {
          const h = msg.headers?.['kabar-dlq-reason'];
          const first = Array.isArray(h) ? h[0] : h;
          recordDeadLetter(first == null ? 'OTHER' : first.toString(), m);
        }
      }
      return result;
    },
  };
  instrumented.add(counted);
  return counted;
}

// ---- Consumer lag, read from Kafka on scrape -------------------------------------------------

export interface LagSource {
  brokers: string;
  clientId: string;
  groupId: string;
  topic: string;
}

interface LagWatcher {
  source: LagSource;
  read(): Promise<{ partition: number; lag: number }[]>;
}

const lagWatchers = new Set<LagWatcher>();
const LAG_TIMEOUT_MS = 3_000;

/** Per partition: the topic's high watermark minus the group's committed offset (the low watermark when nothing is committed yet). */
export async function readConsumerLag(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<{ partition: number; lag: number }[]> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const byPartition = new Map(
    (committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]),
  );
  return ends.map((e) => {
    const done = byPartition.get(e.partition);
    const from = done === undefined || Number(done) < 0 ? Number(e.low) : Number(done);
    return { partition: e.partition, lag: Math.max(0, Number(e.high) - from) };
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

new Gauge({
  name: 'kabar_consumer_lag',
  help: "Messages of the events topic not yet committed by the dispatchers' consumer group, per partition (read from Kafka on scrape; every instance reports the same group)",
  labelNames: ['group', 'topic', 'partition'] as const,
  registers,
  async collect() {
    this.reset();
    await Promise.all(
      [...lagWatchers].map(async (w) => {
        try {
          for (const { partition, lag } of await w.read())
            this.set({ group: w.source.groupId, topic: w.source.topic, partition: String(partition) }, lag);
        } catch {
          metrics.consumerLagErrors.inc();
        }
      }),
    );
  },
});

/** Reports the group's lag on every scrape until stopped (the admin client connects on the first scrape). */
export function watchConsumerLag(source: LagSource): { stop(): Promise<void> } {
  let admin: Admin | undefined;
  let connecting: Promise<void> | undefined;
  const connect = async (): Promise<Admin> => {
    if (!admin) {
      const kafka = new Kafka({
        clientId: `${source.clientId}-metrics`,
        brokers: parseBrokers(source.brokers),
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1_500,
        requestTimeout: LAG_TIMEOUT_MS,
        retry: { retries: 1 },
      });
      admin = kafka.admin();
      connecting = admin.connect();
    }
    try {
      await connecting;
    } catch (err) {
      const a = admin;
      admin = undefined; // try again on the next scrape
      await a.disconnect().catch(() => {});
      throw err;
    }
    return admin;
  };
  const watcher: LagWatcher = {
    source,
    read: async () =>
      withTimeout(
        (async () => readConsumerLag(await connect(), source.groupId, source.topic))(),
        LAG_TIMEOUT_MS,
        'consumer lag',
      ),
  };
  lagWatchers.add(watcher);
  return {
    async stop() {
      lagWatchers.delete(watcher);
      await admin?.disconnect().catch(() => {});
      admin = undefined;
    },
  };
}
