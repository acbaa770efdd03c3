import { boolean, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantPolicy } from './roles.table.js';
import { tenants } from './tenants.table.js';

export const whatsAppConfigs = pgTable(
  'whatsapp_configs',
  {
    tenantId: uuid('tenant_id')
      .primaryKey()
      .references(() => tenants.id),
    tenantName: text('tenant_name').notNull(),
    senderNumber: text('sender_number').notNull(),
    /** AES-256-GCM ciphertext (src/crypto.ts); never leaves the service layer in clear. */
    tokenEnc: text('token_enc'),
    /** Per-tenant secret header Kabar registers with 360dialog for its status webhook. */
    webhookSecretEnc: text('webhook_secret_enc').notNull(),
    country: text('country').notNull(),
    currency: text('currency').notNull(),
    isActive: boolean('is_active').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [tenantPolicy(t.tenantId)],
);
