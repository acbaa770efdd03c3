import { boolean, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { channelEnum } from './enums.table.js';
import { tenantPolicy } from './roles.table.js';
import { tenants } from './tenants.table.js';

// Only a tenant's overrides are stored; the mission's defaults live in src/events/catalogue.ts.
export const eventChannelSettings = pgTable(
  'event_channel_settings',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    eventType: text('event_type').notNull(),
    channels: channelEnum('channels').array().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.eventType] }), tenantPolicy(t.tenantId)],
);
