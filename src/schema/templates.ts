import { pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { channelEnum, languageEnum, whatsAppCategoryEnum } from './enums.js';
import { tenantPolicy } from './roles.js';
import { tenants } from './tenants.js';

// Tenant overrides only; Kabar's shipped defaults live in src/templates/defaults.ts.
export const templates = pgTable(
  'templates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull().references(() => tenants.id),
    eventType: text('event_type').notNull(),
    channel: channelEnum('channel').notNull(),
    language: languageEnum('language').notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    whatsAppTemplateName: text('whatsapp_template_name'),
    whatsAppCategory: whatsAppCategoryEnum('whatsapp_category'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('templates_key').on(t.tenantId, t.eventType, t.channel, t.language), tenantPolicy(t.tenantId)],
);
