import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { platformPolicy, tenantPolicy } from './roles.table.js';

// Append-only: the custom migration revokes UPDATE/DELETE and adds a trigger rejecting them.
// tenant_id is NULL for platform-wide changes (pricing), which only platform admins read.
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    tenantId: uuid('tenant_id'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    details: jsonb('details').notNull().default({}),
  },
  (t) => [index('audit_log_tenant_seq').on(t.tenantId, t.seq), tenantPolicy(t.tenantId), platformPolicy()],
);
