import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Bus, LiveMessage } from '../events/bus.js';

/**
 * Every API instance reads the live topic with a group of its own, so each one hands every
 * change (made by any dispatcher or API process) to its own subscribers. It commits no offsets:
 * the group is new every start and reads from the end, so a commit would never be read back, yet
 * each one was a broker write (after every fetch, about one per status change at half load).
 */
export async function startLiveConsumer(kafka: Kafka, bus: Bus, topic: string, log: Logger): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId: `kabar-live-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    sessionTimeout: 30_000,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      try {
        const m = JSON.parse(message.value?.toString('utf8') ?? 'null') as LiveMessage;
        if (m.topic === 'credit.balance') m.payload.updatedAt = new Date(m.payload.updatedAt);
        if (m.topic === 'delivery.status') {
          m.payload.at = new Date(m.payload.at);
          const d = m.payload.delivery;
          if (d)
            Object.assign(d, {
              createdAt: new Date(d.createdAt),
              updatedAt: new Date(d.updatedAt),
              deferredUntil: d.deferredUntil ? new Date(d.deferredUntil) : null,
            });
        }
        bus.deliverLocal(m);
      } catch (err) {
        log.warn({ err }, 'unreadable live message ignored');
      }
    },
  });
  return consumer;
}
