import { bigserial, index, jsonb, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { channelEnum, deliveryStatusEnum, languageEnum } from './enums.js';
import { tenantPolicy } from './roles.js';
import { tenants } from './tenants.js';

// Events accepted from partners (Kafka or HTTP ingest); the primary key is the dedupe guard.
export const events = pgTable(
  'events',
  {
    tenantId: uuid('tenant_id').notNull().references(() => tenants.id),
    id: text('id').notNull(),
    type: text('type').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    data: jsonb('data').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), tenantPolicy(t.tenantId)],
);

export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    tenantId: uuid('tenant_id').notNull().references(() => tenants.id),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    channel: channelEnum('channel').notNull(),
    recipient: text('recipient').notNull(),
    recipientKind: text('recipient_kind').notNull(),
    language: languageEnum('language').notNull(),
    status: deliveryStatusEnum('status').notNull(),
    reason: text('reason'),
    providerMessageId: text('provider_message_id'),
    cost: numeric('cost', { precision: 20, scale: 4 }),
    renderedBody: text('rendered_body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One event never yields two messages to the same recipient over the same channel.
    uniqueIndex('deliveries_once').on(t.tenantId, t.eventId, t.recipient, t.channel),
    index('deliveries_page').on(t.tenantId, t.seq),
    index('deliveries_provider_id').on(t.providerMessageId),
    tenantPolicy(t.tenantId),
  ],
);

export const deliveryStatusHistory = pgTable(
  'delivery_status_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: uuid('tenant_id').notNull().references(() => tenants.id),
    deliveryId: uuid('delivery_id').notNull().references(() => deliveries.id),
    status: deliveryStatusEnum('status').notNull(),
    reason: text('reason'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('delivery_history_delivery').on(t.deliveryId, t.id), tenantPolicy(t.tenantId)],
);
