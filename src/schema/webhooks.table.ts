import { index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { platformPolicy, tenantPolicy } from './roles.table.js';
import { tenants } from './tenants.table.js';

// Fingerprints of the provider webhook calls already taken: a replayed call (an attacker's, or
// a provider's retry) is recognised and changes nothing. Pruned after KABAR_WEBHOOK_REPLAY_DAYS.
export const webhookReceipts = pgTable(
  'webhook_receipts',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** sha256 of the provider's name and the call's signed content. */
    digest: text('digest').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.digest] }),
    index('webhook_receipts_age').on(t.receivedAt),
    tenantPolicy(t.tenantId),
    platformPolicy(),
  ],
);
