import { createPubSub } from '@graphql-yoga/subscription';

/** What a balance change announces; the same shape the creditBalanceChanged subscription returns. */
export interface BalancePayload {
  tenantId: string;
  currency: string;
  balance: string;
  updatedAt: Date;
}

/** A delivery's new state, as the deliveryStatusChanged subscription returns it. */
export interface DeliveryStatusPayload {
  tenantId: string;
  deliveryId: string;
  eventType: string;
  channel: string;
  status: string;
}

/**
 * The one typed event map: topic name -> payload. GraphQL pubsub topics, the in-process bus
 * and (with Kafka) kabar.delivery-status all use these names, keyed by tenant id, so a
 * subscriber can only ever listen to its own tenant's topic.
 */
export interface KabarEventMap {
  'credit.balance': BalancePayload;
  'delivery.status': DeliveryStatusPayload;
}
export type KabarTopic = keyof KabarEventMap;

type PubSubMap = { [K in KabarTopic]: [tenantId: string, payload: KabarEventMap[K]] };

export function createBus() {
  const pubSub = createPubSub<PubSubMap>();
  return {
    pubSub,
    publish<K extends KabarTopic>(topic: K, payload: KabarEventMap[K]): void {
      (pubSub.publish as (t: string, id: string, p: unknown) => void)(topic, payload.tenantId, payload);
    },
  };
}
export type Bus = ReturnType<typeof createBus>;
