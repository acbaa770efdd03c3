import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  jsonb,
  numeric,
  pgPolicy,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { channelEnum, deliveryStatusEnum, languageEnum } from './enums.table.js';
import { platformRole, tenantPolicy } from './roles.table.js';
import { tenants } from './tenants.table.js';

// Events accepted from partners (Kafka or HTTP ingest); the primary key is the dedupe guard.
export const events = pgTable(
  'events',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    type: text('type').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    data: jsonb('data').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set once every delivery of the event is durably recorded: a re-read event is then a duplicate. */
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), tenantPolicy(t.tenantId)],
);

export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
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
    /** Who it is for inside the tenant: "patient:<id>" or "staff:<id>". */
    recipientRef: text('recipient_ref'),
    /** What the channel adapter needs to (re)send: subject, html, WhatsApp template and parameters, push title. */
    content: jsonb('content'),
    attempts: integer('attempts').notNull().default(0),
    /** A transient failure schedules the next attempt; the retry worker picks it up. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    /** Set just before calling the provider: a crash after it leaves an uncertain send we never repeat blindly. */
    sendingSince: timestamp('sending_since', { withTimezone: true }),
    /** The partner's patient id, for patient deliveries (the directory's key). */
    patientId: text('patient_id'),
    /** The delivery on another channel that this one replaces (channel fallback). */
    fallbackOf: uuid('fallback_of'),
    /**
     * Set while the message waits for its gates to run again before it is sent: held by quiet
     * hours until then, or requeued by a resend (then it is the resend's time). Cleared on release.
     */
    deferredUntil: timestamp('deferred_until', { withTimezone: true }),
    /** When a timed fallback rule applies: fall back if the message is not DELIVERED by then. */
    fallbackDueAt: timestamp('fallback_due_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One event never yields two messages to the same recipient over the same channel.
    uniqueIndex('deliveries_once').on(t.tenantId, t.eventId, t.recipient, t.channel),
    index('deliveries_page').on(t.tenantId, t.seq),
    index('deliveries_provider_id').on(t.providerMessageId),
    index('deliveries_due').on(t.nextAttemptAt).where(sql`status = 'QUEUED' and next_attempt_at is not null`),
    // At most one fallback per delivery and address: a crash or a race cannot send it twice.
    uniqueIndex('deliveries_fallback_once')
      .on(t.tenantId, t.fallbackOf, t.recipient)
      .where(sql`fallback_of is not null`),
    // The fallback sweep's two questions: whose timer ran out, and which skipped or failed ones a rule covers.
    index('deliveries_fallback_due')
      .on(t.fallbackDueAt)
      .where(sql`fallback_due_at is not null and status in ('QUEUED', 'SENT')`),
    index('deliveries_fallback_ended')
      .on(t.tenantId)
      .where(sql`fallback_due_at is not null and status in ('SKIPPED', 'FAILED')`),
    index('deliveries_patient').on(t.tenantId, t.patientId),
    tenantPolicy(t.tenantId),
    // The retry worker finds due deliveries of every tenant, then handles each inside withTenant.
    pgPolicy('platform_due', { for: 'select', to: platformRole, using: sql`true` }),
  ],
);

export const deliveryStatusHistory = pgTable(
  'delivery_status_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => deliveries.id),
    status: deliveryStatusEnum('status').notNull(),
    reason: text('reason'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('delivery_history_delivery').on(t.deliveryId, t.id), tenantPolicy(t.tenantId)],
);
