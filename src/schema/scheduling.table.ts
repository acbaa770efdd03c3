import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  jsonb,
  pgEnum,
  pgPolicy,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { platformRole, tenantPolicy } from './roles.table.js';
import { tenants } from './tenants.table.js';

export const reminderStatusEnum = pgEnum('reminder_status', ['PENDING', 'FIRED', 'CANCELLED']);

// Appointment reminders, durable so a restart or a second scheduler never loses or repeats one.
export const reminders = pgTable(
  'reminders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    appointmentId: text('appointment_id').notNull(),
    offsetMinutes: integer('offset_minutes').notNull(),
    fireAt: timestamp('fire_at', { withTimezone: true }).notNull(),
    status: reminderStatusEnum('status').notNull().default('PENDING'),
    /** The confirmed/rescheduled event's data: the reminder's variables come from it. */
    data: jsonb('data').notNull(),
    sourceEventId: text('source_event_id').notNull(),
    firedAt: timestamp('fired_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('reminders_once').on(t.tenantId, t.appointmentId, t.offsetMinutes),
    index('reminders_due').on(t.fireAt).where(sql`status = 'PENDING'`),
    tenantPolicy(t.tenantId),
    // Schedulers claim due reminders of every tenant (FOR UPDATE SKIP LOCKED).
    pgPolicy('platform_claim', { for: 'all', to: platformRole, using: sql`true`, withCheck: sql`true` }),
  ],
);

// One walkin.approaching_turn per token: the primary key is the "once" guard.
export const walkinAlerts = pgTable(
  'walkin_alerts',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    centreId: text('centre_id').notNull(),
    queueName: text('queue_name').notNull(),
    tokenNumber: text('token_number').notNull(),
    firedAt: timestamp('fired_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.centreId, t.queueName, t.tokenNumber] }), tenantPolicy(t.tenantId)],
);

// credit.insufficient alerts are rate-limited per tenant (default once an hour).
export const creditAlerts = pgTable(
  'credit_alerts',
  {
    tenantId: uuid('tenant_id')
      .primaryKey()
      .references(() => tenants.id),
    lastAlertAt: timestamp('last_alert_at', { withTimezone: true }).notNull(),
  },
  (t) => [tenantPolicy(t.tenantId)],
);
