// What every event schema shares: the building blocks and the objects defined once (`$defs`).
import { PHONE_SHAPE } from '../../phone.js';

export type Schema = Record<string, unknown>;

/** One event type's data schema, before its `$defs` are attached (see ../schemas.ts). */
export interface Spec {
  title: string;
  description: string;
  required: string[];
  properties: Record<string, Schema>;
}

export const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
export const text: Schema = { type: 'string', minLength: 1 };
export const nonNegativeInteger: Schema = { type: 'integer', minimum: 0 };

/** Shared objects, defined once; each event schema embeds only the ones it uses. */
export const SHARED_DEFS: Readonly<Record<string, Schema>> = {
  id: { type: 'string', minLength: 1 },
  // Its country is known only with the tenant: Kabar reads a national number there and stores E.164.
  phone: {
    type: 'string',
    pattern: PHONE_SHAPE,
    description:
      'Phone number: E.164 ("+6281234567890"), or national in the tenant\'s country ("081234567890"); stored and sent as E.164',
  },
  money: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$', description: 'Decimal amount as a string' },
  currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code' },
  // Bounded: reminders are computed from these and stored as timestamps, and year 0 or 10000
  // (reachable through an offset, e.g. 9999-12-31T23:59:59-14:00) cannot be stored.
  dateTime: {
    type: 'string',
    format: 'date-time',
    formatMinimum: '1900-01-01T00:00:00Z',
    formatMaximum: '9999-01-01T00:00:00Z',
    description: 'ISO-8601 date-time with an offset',
  },
  language: { enum: ['id', 'en', 'fr'] },
  patient: {
    type: 'object',
    required: ['id', 'name'],
    properties: {
      id: ref('id'),
      name: text,
      phone: ref('phone'),
      email: { type: 'string', format: 'email' },
      language: ref('language'),
      pushTokens: { type: 'array', items: text },
    },
  },
  appointment: {
    type: 'object',
    required: ['id', 'bookingReference', 'slotStart'],
    properties: {
      id: ref('id'),
      bookingReference: text,
      slotStart: ref('dateTime'),
      slotEnd: ref('dateTime'),
      status: text,
    },
  },
  doctor: { type: 'object', required: ['id', 'name'], properties: { id: ref('id'), name: text } },
  centre: {
    type: 'object',
    required: ['id', 'name'],
    properties: {
      id: ref('id'),
      name: text,
      timezone: { type: 'string', minLength: 1, description: 'IANA time zone; else the tenant default' },
      phone: ref('phone'),
    },
  },
  financial: {
    type: 'object',
    required: ['amount', 'currency'],
    properties: {
      amount: ref('money'),
      currency: ref('currency'),
      paymentStatus: { enum: ['paid', 'unpaid', 'not_required', 'refunded'] },
    },
  },
  walkIn: {
    type: 'object',
    required: ['tokenNumber', 'queueName', 'position'],
    properties: {
      // Token numbers are often printed codes such as "A-012", sometimes plain numbers.
      tokenNumber: { type: ['string', 'integer'], minLength: 1 },
      queueName: text,
      position: { ...nonNegativeInteger, description: '0 = being served' },
      room: text,
    },
  },
  tenant: { type: 'object', required: ['id', 'name'], properties: { id: ref('id'), name: text } },
};
