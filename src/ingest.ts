import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { createKeyedQueue, orderingKey } from './consumers/keyed-queue.js';
import { withTenant, type TenantContext } from './db/tenant.js';
import type { Dispatcher } from './dispatcher.js';
import type { CheckedEvent, EventEnvelope } from './events/envelope.js';
import { withE164Phones } from './services/event-phones.service.js';
import { eventRecorded } from './services/events.service.js';

/** Where accepted partner events go: Kafka in servers mode, the in-process dispatcher in embedded mode. */
export interface EventSink {
  publish(tenantId: string, e: EventEnvelope): Promise<void>;
  /** Waits for accepted events still being handled (graceful shutdown). */
  drain?(): Promise<void>;
}

/** The wire form on kabar.events (plain envelope, key = tenant id). */
export function envelopeJson(tenantId: string, e: EventEnvelope): string {
  return JSON.stringify({ id: e.id, type: e.type, tenantId, occurredAt: e.occurredAt.toISOString(), data: e.data });
}

export function kafkaSink(producer: Producer, topic: string): EventSink {
  return {
    async publish(tenantId, e) {
      await producer.send({
        topic,
        messages: [
          { key: tenantId, value: envelopeJson(tenantId, e), headers: { 'content-type': 'application/json' } },
        ],
      });
    },
  };
}

/** Embedded mode: the same ordering and in-flight rules as the Kafka consumer, without Kafka. */
export function localSink(dispatcher: Dispatcher, maxInFlight: number, log: Logger): EventSink {
  const queue = createKeyedQueue(maxInFlight);
  const inFlight = new Set<Promise<unknown>>();
  return {
    async publish(tenantId, e) {
      const task = queue
        .run(orderingKey(tenantId, e.id, e.data), () => dispatcher.handle(tenantId, e))
        .catch((err) => log.error({ err, tenantId, eventId: e.id }, 'dispatch failed'));
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    },
    async drain() {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
  };
}

/**
 * publishEvent and POST /events, once the event is checked (src/events/envelope.ts): answer
 * "duplicate" for an id already recorded, otherwise hand the event to the sink. The dispatcher
 * stays the real dedupe guard (two racing publishes of one id still yield one set of messages).
 */
export async function ingestEvent(
  ctx: TenantContext,
  sink: EventSink,
  e: CheckedEvent,
): Promise<{ duplicate: boolean }> {
  // Phones as E.164, national numbers read in the tenant's country (src/services/event-phones.service.ts).
  const { seen, event } = await withTenant(ctx, async (s) => ({
    seen: await eventRecorded(s, e.id),
    event: await withE164Phones(s, e),
  }));
  if (seen) return { duplicate: true };
  await sink.publish(ctx.tenantId, { ...event, data: JSON.parse(JSON.stringify(event.data)) });
  return { duplicate: false };
}
