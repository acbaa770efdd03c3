import { createPubSub } from '@graphql-yoga/subscription';

/** What a balance change announces; the same shape the creditBalanceChanged subscription returns. */
export interface BalancePayload {
  tenantId: string;
  currency: string;
  balance: string;
  updatedAt: Date;
}

/** A delivery's new state (also the value partners read on kabar.delivery-status). */
export interface DeliveryStatusPayload {
  tenantId: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  channel: string;
  status: string;
  reason: string | null;
  at: Date;
  /**
   * The delivery as GraphQL returns it (all but its history), so each of many subscribers gets
   * it without a database read. Not part of what partners read on kabar.delivery-status.
   */
  delivery?: DeliverySnapshot;
}

export interface DeliverySnapshot {
  id: string;
  tenantId: string;
  eventId: string;
  eventType: string;
  channel: string;
  recipient: string;
  recipientKind: string;
  language: string;
  status: string;
  reason: string | null;
  providerMessageId: string | null;
  cost: string | null;
  renderedBody: string;
  createdAt: Date;
  updatedAt: Date;
  patientId: string | null;
  fallbackOf: string | null;
  deferredUntil: Date | null;
  attempts: number;
}

/**
 * The one typed event map: topic name -> payload. GraphQL pubsub topics, the in-process bus
 * and (in servers mode) the Kafka live topic all use these names, keyed by tenant id, so a
 * subscriber can only ever listen to its own tenant's topic.
 */
export interface KabarEventMap {
  'credit.balance': BalancePayload;
  'delivery.status': DeliveryStatusPayload;
}
export type KabarTopic = keyof KabarEventMap;
export type LiveMessage = { [K in KabarTopic]: { topic: K; payload: KabarEventMap[K] } }[KabarTopic];

type PubSubMap = { [K in KabarTopic]: [tenantId: string, payload: KabarEventMap[K]] };

export interface BusOptions {
  /** Servers mode: publish goes here (Kafka); the live consumer brings it back to every instance. */
  forward?: (m: LiveMessage) => void;
}

export function createBus(opts: BusOptions = {}) {
  const pubSub = createPubSub<PubSubMap>();
  const remote = opts.forward;
  const deliverLocal = (m: LiveMessage) =>
    (pubSub.publish as (t: string, id: string, p: unknown) => void)(m.topic, m.payload.tenantId, m.payload);
  return {
    pubSub,
    /** Announces a change: locally, or through Kafka so every API instance's subscribers see it. */
    publish<K extends KabarTopic>(topic: K, payload: KabarEventMap[K]): void {
      const m = { topic, payload } as LiveMessage;
      if (remote) remote(m);
      else deliverLocal(m);
    },
    /** Hands a change (from Kafka) to this process's subscribers. */
    deliverLocal,
  };
}
export type Bus = ReturnType<typeof createBus>;
