import { sql } from 'drizzle-orm';
import { pgPolicy, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { languageEnum } from './enums.table.js';
import { appRole, currentTenant, platformPolicy } from './roles.table.js';

export const tenants = pgTable(
  'tenants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    country: text('country').notNull(),
    currency: text('currency').notNull(),
    defaultLanguage: languageEnum('default_language').notNull(),
    timezone: text('timezone').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A tenant reads its own row only; creating tenants is a platform operation.
    pgPolicy('tenant_self', { for: 'select', to: appRole, using: sql`${t.id} = ${currentTenant}` }),
    platformPolicy(),
  ],
);
