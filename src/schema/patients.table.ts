import { bigserial, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { channelEnum, consentStatusEnum, languageEnum } from './enums.table.js';
import { tenantPolicy } from './roles.table.js';
import { tenants } from './tenants.table.js';

/**
 * The tenant's patient directory, keyed by the partner's patient id: the last contacts,
 * language and name an event carried, so that an inbound "STOP" from a number finds the
 * patients who use it. Kept current by dispatch; holds no more than a message needs.
 */
export const patients = pgTable(
  'patients',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    name: text('name'),
    phone: text('phone'),
    email: text('email'),
    language: languageEnum('language'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('patients_phone').on(t.tenantId, t.phone),
    tenantPolicy(t.tenantId),
  ],
);

/**
 * Every choice a patient made, with its proof. Append-only, enforced by a trigger (like the
 * audit log): a new choice is a new row, and the latest per (patient, channel, category) is in force.
 */
export const patientPreferences = pgTable(
  'patient_preferences',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    patientId: text('patient_id').notNull(),
    channel: channelEnum('channel').notNull(),
    /** An event category; null = the whole channel. */
    category: text('category'),
    status: consentStatusEnum('status').notNull(),
    /** "api", "event", "inbound:whatsapp", "inbound:sms". */
    source: text('source').notNull(),
    evidence: text('evidence'),
    actor: text('actor').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('patient_preferences_patient').on(t.tenantId, t.patientId, t.id), tenantPolicy(t.tenantId)],
);

/** Messages patients wrote back (WhatsApp, SMS): each recorded once, with what Kabar did about it. */
export const inboundMessages = pgTable(
  'inbound_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    channel: channelEnum('channel').notNull(),
    /** The provider's id of the inbound message (wamid, Twilio MessageSid): a replay is seen by it. */
    providerMessageId: text('provider_message_id').notNull(),
    /** The sender's number, E.164. */
    sender: text('sender').notNull(),
    body: text('body').notNull(),
    /** OPTED_OUT, OPTED_IN, or null (any other text: recorded and acknowledged). */
    action: consentStatusEnum('action'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('inbound_messages_once').on(t.tenantId, t.channel, t.providerMessageId),
    tenantPolicy(t.tenantId),
  ],
);
