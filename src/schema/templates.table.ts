import { pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { channelEnum, languageEnum, templateApprovalStatusEnum, whatsAppCategoryEnum } from './enums.table.js';
import { tenantPolicy } from './roles.table.js';
import { tenants } from './tenants.table.js';

// Tenant overrides only; Kabar's shipped defaults live in src/templates/defaults.ts.
export const templates = pgTable(
  'templates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
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

// Meta's verdict on a WhatsApp template, by Meta template name and language, from its webhooks
// (message_template_status_update, template_category_update) or a send it refused (132015/132016).
// Apart from `templates` because a tenant sending Kabar's defaults has no row there.
export const whatsAppTemplateVerdicts = pgTable(
  'whatsapp_template_verdicts',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    templateName: text('template_name').notNull(),
    /** Meta's language code, lowercased ("id", "en", "fr"). */
    language: text('language').notNull(),
    /** Null while Meta has only re-categorised the template. */
    status: templateApprovalStatusEnum('status'),
    /** Meta's own event (FLAGGED, REINSTATED, PENDING_DELETION… map onto `status`). */
    metaEvent: text('meta_event'),
    reason: text('reason'),
    /** The category Meta put the template in: it decides the price, over the declared one. */
    category: whatsAppCategoryEnum('category'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.templateName, t.language] }), tenantPolicy(t.tenantId)],
);
