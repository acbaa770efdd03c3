import { boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { channelEnum } from './enums.table.js';
import { tenantPolicy } from './roles.table.js';
import { tenants } from './tenants.table.js';

export const routingRules = pgTable(
  'routing_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    eventPattern: text('event_pattern').notNull(),
    centreId: text('centre_id'),
    departments: text('departments').array().notNull().default([]),
    staffIds: uuid('staff_ids').array().notNull().default([]),
    channels: channelEnum('channels').array().notNull(),
    active: boolean('active').notNull().default(true),
    priority: integer('priority').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('routing_rules_tenant').on(t.tenantId, t.priority), tenantPolicy(t.tenantId)],
);
