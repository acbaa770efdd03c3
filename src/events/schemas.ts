// JSON Schemas (draft 2020-12) for the `data` of every event type, exactly as EVENTS.md
// describes it: required properties enforced, extra properties allowed and ignored.

import { EVENT_CATEGORIES } from './categories.js';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
const text: Schema = { type: 'string', minLength: 1 };
const nonNegativeInteger: Schema = { type: 'integer', minimum: 0 };

/** Shared objects, defined once; each event schema embeds only the ones it uses. */
export const SHARED_DEFS: Readonly<Record<string, Schema>> = {
  id: { type: 'string', minLength: 1 },
  phone: { type: 'string', pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164 phone number' },
  money: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$', description: 'Decimal amount as a string' },
  currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code' },
  // Bounded: reminders are computed from these and stored as timestamps, and year 0 or 10000
  // (reachable through an offset, e.g. 9999-12-31T23:59:59-14:00) cannot be stored.
  dateTime: { type: 'string', format: 'date-time', formatMinimum: '1900-01-01T00:00:00Z', formatMaximum: '9999-01-01T00:00:00Z', description: 'ISO-8601 date-time with an offset' },
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

interface Spec {
  title: string;
  description: string;
  required: string[];
  properties: Record<string, Schema>;
}

const apptBase = { patient: ref('patient'), appointment: ref('appointment'), doctor: ref('doctor'), centre: ref('centre') };
const apptRequired = ['patient', 'appointment', 'doctor', 'centre'];

const amountObject = (title: string, extra: Record<string, Schema> = {}, extraRequired: string[] = []): Schema => ({
  type: 'object',
  description: title,
  required: ['id', 'amount', 'currency', ...extraRequired],
  properties: { id: ref('id'), amount: ref('money'), currency: ref('currency'), ...extra },
});

const packageSpec = (type: string, what: string): [string, Spec] => [
  type,
  {
    title: type,
    description: `A patient's package ${what} (staff event).`,
    required: ['package', 'patient', 'centre'],
    properties: {
      package: {
        type: 'object',
        required: ['id', 'name'],
        properties: { id: ref('id'), name: text, remainingUses: nonNegativeInteger },
      },
      patient: ref('patient'),
      centre: ref('centre'),
    },
  },
];

const SPECS: Record<string, Spec> = {
  'appointment.confirmed': {
    title: 'appointment.confirmed',
    description: 'Booking confirmed (paid, or no payment needed).',
    required: apptRequired,
    properties: { ...apptBase, financial: ref('financial') },
  },
  'appointment.pending_approval': {
    title: 'appointment.pending_approval',
    description: 'Booking waiting for doctor or admin approval.',
    required: apptRequired,
    properties: apptBase,
  },
  'appointment.rejected': {
    title: 'appointment.rejected',
    description: 'Approval request rejected.',
    required: apptRequired,
    properties: { ...apptBase, reason: text },
  },
  'appointment.cancelled': {
    title: 'appointment.cancelled',
    description: 'Appointment cancelled by the patient, staff or the system.',
    required: [...apptRequired, 'cancelledBy'],
    properties: {
      ...apptBase,
      cancelledBy: { enum: ['patient', 'staff', 'system'] },
      reason: text,
      financial: ref('financial'),
    },
  },
  'appointment.rescheduled': {
    title: 'appointment.rescheduled',
    description: 'Appointment moved to a new slot; `appointment` holds the new slot.',
    required: [...apptRequired, 'previousSlotStart'],
    properties: { ...apptBase, previousSlotStart: ref('dateTime') },
  },
  'appointment.completed': {
    title: 'appointment.completed',
    description: 'Consultation finished.',
    required: apptRequired,
    properties: apptBase,
  },
  'appointment.no_show': {
    title: 'appointment.no_show',
    description: 'Patient marked as not attended.',
    required: apptRequired,
    properties: apptBase,
  },
  'appointment.reminder': {
    title: 'appointment.reminder',
    description: 'Produced by Kabar: reminder sent `offsetMinutes` before the slot.',
    required: [...apptRequired, 'offsetMinutes'],
    properties: { ...apptBase, offsetMinutes: { type: 'integer', minimum: 1 } },
  },
  'walkin.token_called': {
    title: 'walkin.token_called',
    description: "The patient's token is called to a counter or room.",
    required: ['patient', 'walkIn', 'centre'],
    // EVENTS.md: walkIn "with room" — the patient must know where to go.
    properties: { patient: ref('patient'), walkIn: { allOf: [ref('walkIn'), { type: 'object', required: ['room'] }] }, centre: ref('centre') },
  },
  'walkin.queue_updated': {
    title: 'walkin.queue_updated',
    description: 'Queue position changed; Kabar derives walkin.approaching_turn from it.',
    required: ['patient', 'walkIn', 'centre'],
    properties: { patient: ref('patient'), walkIn: ref('walkIn'), centre: ref('centre') },
  },
  'walkin.approaching_turn': {
    title: 'walkin.approaching_turn',
    description: "Produced by Kabar: the patient is within the tenant's threshold of being served.",
    required: ['patient', 'walkIn', 'centre', 'threshold'],
    properties: { patient: ref('patient'), walkIn: ref('walkIn'), centre: ref('centre'), threshold: nonNegativeInteger },
  },
  'prescription.ready': {
    title: 'prescription.ready',
    description: 'Prescription issued, or dispensing status became Allocated (ready for pickup).',
    required: ['patient', 'prescription', 'centre'],
    properties: {
      patient: ref('patient'),
      prescription: {
        type: 'object',
        required: ['number'],
        properties: {
          number: text,
          status: { enum: ['issued', 'allocated'] },
          paymentInstructions: text,
          pickupInstructions: text,
        },
      },
      doctor: ref('doctor'),
      centre: ref('centre'),
    },
  },
  'report.ready': {
    title: 'report.ready',
    description: 'Diagnostic report verified and delivered.',
    required: ['patient', 'report', 'centre'],
    properties: {
      patient: ref('patient'),
      report: { type: 'object', required: ['id', 'name'], properties: { id: ref('id'), name: text } },
      doctor: ref('doctor'),
      centre: ref('centre'),
    },
  },
  'patient.registered': {
    title: 'patient.registered',
    description: 'Patient registered (registration confirmation).',
    required: ['patient', 'centre', 'clinicService', 'hospitalContact'],
    properties: {
      patient: ref('patient'),
      centre: ref('centre'),
      clinicService: text,
      hospitalContact: text,
      appointment: ref('appointment'),
      doctor: ref('doctor'),
    },
  },
  'patient.preferences_updated': {
    title: 'patient.preferences_updated',
    description: "A patient's choices changed in a partner system: Kabar records each (source event, actor = the event id) and notifies nobody.",
    required: ['patient', 'preferences'],
    properties: {
      patient: ref('patient'),
      preferences: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        items: {
          type: 'object',
          required: ['channel', 'status'],
          properties: {
            channel: { enum: ['whatsapp', 'email', 'sms', 'push'] },
            category: { enum: [...EVENT_CATEGORIES], description: 'An event category (eventCatalogue); absent = the whole channel' },
            status: { enum: ['opted_in', 'opted_out'] },
            evidence: { type: 'string', minLength: 1, maxLength: 500, description: 'What proves it, e.g. a consent form reference' },
          },
        },
      },
    },
  },
  'doctor.emergency_leave': {
    title: 'doctor.emergency_leave',
    description: 'Doctor on emergency leave; each affected patient gets a refund amount and a reschedule link.',
    required: ['doctor', 'centre', 'leaveFrom', 'affected'],
    properties: {
      doctor: ref('doctor'),
      centre: ref('centre'),
      leaveFrom: ref('dateTime'),
      leaveUntil: ref('dateTime'),
      affected: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['patient', 'appointment', 'refund', 'rescheduleUrl'],
          properties: {
            patient: ref('patient'),
            appointment: ref('appointment'),
            refund: ref('financial'),
            rescheduleUrl: { type: 'string', format: 'uri' },
          },
        },
      },
    },
  },
  'credit.purchase_status': {
    title: 'credit.purchase_status',
    description: "Produced by Kabar: a WhatsApp credit purchase changed status (to the tenant's contacts).",
    required: ['purchase'],
    properties: {
      purchase: {
        type: 'object',
        required: ['id', 'amount', 'currency', 'status'],
        properties: {
          id: ref('id'),
          amount: ref('money'),
          currency: ref('currency'),
          status: { enum: ['pending', 'paid', 'failed', 'cancelled'] },
          reference: text,
          failureReason: text,
        },
      },
      tenant: ref('tenant'),
    },
  },
  'billing.bill_generated': {
    title: 'billing.bill_generated',
    description: 'A bill was generated (staff event, billing).',
    required: ['bill', 'centre'],
    properties: { bill: amountObject('The bill', { number: text }, ['number']), patient: ref('patient'), centre: ref('centre') },
  },
  'billing.refund_processed': {
    title: 'billing.refund_processed',
    description: 'A refund was processed (staff event, finance).',
    required: ['refund', 'centre'],
    properties: { refund: amountObject('The refund', { reason: text }), patient: ref('patient'), centre: ref('centre') },
  },
  'billing.deposit_received': {
    title: 'billing.deposit_received',
    description: 'A deposit was received (staff event, accounts).',
    required: ['deposit', 'centre'],
    properties: { deposit: amountObject('The deposit'), patient: ref('patient'), centre: ref('centre') },
  },
  ...Object.fromEntries([
    packageSpec('package.purchased', 'was purchased'),
    packageSpec('package.redeemed', 'was redeemed'),
    packageSpec('package.expired', 'expired'),
    packageSpec('package.exhausted', 'has no uses left'),
  ]),
  'lab.test_requested': {
    title: 'lab.test_requested',
    description: 'A lab test was requested (staff event, lab).',
    required: ['test', 'patient', 'centre'],
    properties: {
      test: {
        type: 'object',
        required: ['id', 'name'],
        properties: { id: ref('id'), name: text, priority: { enum: ['routine', 'urgent'] } },
      },
      patient: ref('patient'),
      doctor: ref('doctor'),
      centre: ref('centre'),
    },
  },
  'credit.insufficient': {
    title: 'credit.insufficient',
    description: "Produced by Kabar: a WhatsApp message could not be paid for (to the tenant's administrators).",
    required: ['balance', 'currency', 'required', 'eventType'],
    properties: {
      balance: ref('money'),
      currency: ref('currency'),
      required: ref('money'),
      eventType: text,
      deliveryId: ref('id'),
      tenant: ref('tenant'),
    },
  },
  'whatsapp.template_status': {
    title: 'whatsapp.template_status',
    description: "Produced by Kabar: Meta changed its verdict on, or the category of, one of the tenant's WhatsApp templates (to the tenant's administrators).",
    required: ['template'],
    properties: {
      template: {
        type: 'object',
        required: ['name', 'language', 'status'],
        properties: {
          name: text,
          language: { ...text, description: "Meta's language code" },
          status: { enum: ['APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED', 'UNKNOWN'], description: 'What Kabar makes of the verdict: REJECTED, PAUSED and DISABLED templates are not sent' },
          event: { ...text, description: "Meta's own event (e.g. FLAGGED, REINSTATED, PENDING_DELETION)" },
          reason: text,
          category: { enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE'], description: "The category Meta put the template in (it decides the price)" },
          previousCategory: { enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE'] },
        },
      },
      tenant: ref('tenant'),
    },
  },
};

/** Names of the shared definitions a schema refers to, following references transitively. */
function usedDefs(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => usedDefs(n, found));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        const name = v.replace('#/$defs/', '');
        if (!found.has(name)) {
          found.add(name);
          usedDefs(SHARED_DEFS[name], found);
        }
      } else usedDefs(v, found);
    }
  }
  return found;
}

function buildSchema(spec: Spec): Schema {
  const body = { type: 'object', required: spec.required, properties: spec.properties };
  const defs = Object.fromEntries([...usedDefs(body)].sort().map((n) => [n, SHARED_DEFS[n]]));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: spec.title,
    description: spec.description,
    ...body,
    $defs: defs,
  };
}

/** Self-contained schemas keyed by event type (each carries the `$defs` it needs). */
export const EVENT_DATA_SCHEMAS: Readonly<Record<string, Readonly<Schema>>> = Object.fromEntries(
  Object.entries(SPECS).map(([type, spec]) => [type, buildSchema(spec)]),
);
