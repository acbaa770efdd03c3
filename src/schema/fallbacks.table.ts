import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgPolicy, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { channelEnum } from './enums.table.js';
import { platformRole, tenantPolicy } from './roles.table.js';
import { tenants } from './tenants.table.js';

/** "If `from` cannot reach the patient, send the same message on `to`": a tenant's channel fallback rules. */
export const channelFallbacks = pgTable(
  'channel_fallbacks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** An event type, a prefix pattern ("appointment.*"), or "*" for every patient event. */
    eventPattern: text('event_pattern').notNull(),
    fromChannel: channelEnum('from_channel').notNull(),
    toChannel: channelEnum('to_channel').notNull(),
    /** Also fall back when `from` is not DELIVERED by then; null = only on a skip or a permanent failure. */
    undeliveredAfterSeconds: integer('undelivered_after_seconds'),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('channel_fallbacks_rule').on(t.tenantId, t.eventPattern, t.fromChannel),
    index('channel_fallbacks_tenant').on(t.tenantId),
    tenantPolicy(t.tenantId),
    // The timed-fallback sweep reads every tenant's rules, then acts on each inside withTenant.
    pgPolicy('platform_read', { for: 'select', to: platformRole, using: sql`true` }),
  ],
);
