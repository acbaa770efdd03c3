import { sql } from 'drizzle-orm';
import { index, numeric, pgPolicy, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { whatsAppCategoryEnum } from './enums.table.js';
import { appRole, platformPolicy } from './roles.table.js';

// Platform-wide price list. Rows are never changed in place (a trigger rejects UPDATE and
// DELETE): a new price is a new row with its own effective date.
export const whatsAppPrices = pgTable(
  'whatsapp_prices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    country: text('country').notNull(),
    currency: text('currency').notNull(),
    category: whatsAppCategoryEnum('category').notNull(),
    pricePerMessage: numeric('price_per_message', { precision: 20, scale: 4 }).notNull(),
    effectiveFrom: timestamp('effective_from', { withTimezone: true }).notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('whatsapp_prices_key').on(t.country, t.currency, t.category, t.effectiveFrom),
    index('whatsapp_prices_lookup').on(t.country, t.currency, t.category, t.effectiveFrom.desc()),
    pgPolicy('prices_readable', { for: 'select', to: appRole, using: sql`true` }),
    platformPolicy(),
  ],
);
