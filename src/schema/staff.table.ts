import { boolean, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { languageEnum } from './enums.table.js';
import { tenantPolicy } from './roles.table.js';
import { tenants } from './tenants.table.js';

export const staffMembers = pgTable(
  'staff_members',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    email: text('email'),
    phone: text('phone'),
    pushTokens: text('push_tokens').array().notNull().default([]),
    language: languageEnum('language'),
    departments: text('departments').array().notNull().default([]),
    centreIds: text('centre_ids').array().notNull().default([]),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('staff_members_tenant').on(t.tenantId, t.name), tenantPolicy(t.tenantId)],
);
