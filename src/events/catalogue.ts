// The event catalogue: every event type Kabar knows, who it is for, its default channels,
// and validation of its `data` against the JSON Schemas in schemas.ts.
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { phoneProblem } from '../phone.js';
import { EVENT_DATA_SCHEMAS } from './event-schemas.js';
import { storableProblem } from './storable.js';
import { categoryOf } from './categories.js';

export { EVENT_CATEGORIES } from './categories.js';

export const CHANNELS = ['WHATSAPP', 'EMAIL', 'SMS', 'PUSH'] as const;
export type ChannelName = (typeof CHANNELS)[number];

export const LANGUAGES = ['ID', 'EN', 'FR'] as const;
export type LanguageCode = (typeof LANGUAGES)[number];

export interface EventTypeInfo {
  type: string;
  audience: 'patient' | 'staff' | 'admin';
  producedBy: 'partner' | 'kabar';
  defaultChannels: ChannelName[];
  description: string;
  /** False for walkin.queue_updated, which only feeds walkin.approaching_turn. */
  notifies: boolean;
  /** Staff events: the departments MISSION.md names as recipients by default. */
  defaultDepartments?: string[];
  /** What a patient may mute with a category choice ("appointments", "clinical", "queue"…). */
  category: string;
  /**
   * Goes out in quiet hours, and no category choice mutes it (a channel opt-out still does):
   * a called token, an approaching turn, an emergency leave, a cancelled, rejected or moved appointment.
   */
  critical: boolean;
}

/** The events a patient cannot mute by category, and that quiet hours do not hold (MISSION.md, second release). */
export const CRITICAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  'walkin.token_called',
  'walkin.approaching_turn',
  'doctor.emergency_leave',
  'appointment.cancelled',
  'appointment.rejected',
  'appointment.rescheduled',
]);

const classified = (info: Omit<EventTypeInfo, 'category' | 'critical'>): EventTypeInfo => ({
  ...info,
  category: categoryOf(info.type),
  critical: CRITICAL_EVENT_TYPES.has(info.type),
});

const patient = (
  type: string,
  defaultChannels: ChannelName[],
  description: string,
  producedBy: 'partner' | 'kabar' = 'partner',
): EventTypeInfo => classified({ type, audience: 'patient', producedBy, defaultChannels, description, notifies: true });

// Staff events default to EMAIL: MISSION.md names no channel for them, and email suits
// back-office work. Tenants change this per event.
const staff = (type: string, description: string, defaultDepartments?: string[]): EventTypeInfo =>
  classified({
    type,
    audience: 'staff',
    producedBy: 'partner',
    defaultChannels: ['EMAIL'],
    description,
    notifies: true,
    ...(defaultDepartments ? { defaultDepartments } : {}),
  });

const WA_EMAIL: ChannelName[] = ['WHATSAPP', 'EMAIL'];
const SMS_PUSH: ChannelName[] = ['SMS', 'PUSH'];

export const EVENT_TYPES: readonly EventTypeInfo[] = [
  patient('appointment.confirmed', WA_EMAIL, 'Booking confirmed (paid, or no payment needed).'),
  patient('appointment.pending_approval', WA_EMAIL, 'Booking needs doctor or admin approval.'),
  patient('appointment.rejected', WA_EMAIL, 'Approval request rejected.'),
  patient('appointment.cancelled', WA_EMAIL, 'Cancelled by the patient, staff or the system.'),
  patient('appointment.rescheduled', WA_EMAIL, 'Moved to a new slot.'),
  patient('appointment.completed', ['EMAIL'], 'Consultation finished.'),
  patient('appointment.no_show', ['WHATSAPP'], 'Patient marked as not attended.'),
  patient('appointment.reminder', WA_EMAIL, 'Scheduled by Kabar before the slot (24h, 2h, 30min by default).', 'kabar'),
  patient('walkin.token_called', SMS_PUSH, "Patient's token called to a counter or room."),
  patient(
    'walkin.approaching_turn',
    SMS_PUSH,
    "Derived by Kabar from walkin.queue_updated: within the tenant's threshold.",
    'kabar',
  ),
  classified({
    type: 'walkin.queue_updated',
    audience: 'patient',
    producedBy: 'partner',
    defaultChannels: [],
    description: 'Walk-in queue position changed; only feeds walkin.approaching_turn.',
    notifies: false,
  }),
  patient('prescription.ready', WA_EMAIL, 'Prescription issued, or ready for pickup.'),
  patient('report.ready', WA_EMAIL, 'Diagnostic report verified and delivered.'),
  patient(
    'doctor.emergency_leave',
    WA_EMAIL,
    'Doctor on emergency leave; affected patients get a refund and a reschedule link.',
  ),
  patient('patient.registered', WA_EMAIL, 'Patient registered (registration confirmation).'),
  classified({
    type: 'patient.preferences_updated',
    audience: 'patient',
    producedBy: 'partner',
    defaultChannels: [],
    description:
      "A patient's choices changed in a partner system: recorded and applied to every later message; notifies nobody.",
    notifies: false,
  }),
  classified({
    type: 'credit.purchase_status',
    audience: 'admin',
    producedBy: 'kabar',
    defaultChannels: WA_EMAIL,
    description: "A WhatsApp credit purchase changed status (to the tenant's contacts).",
    notifies: true,
  }),
  staff('billing.bill_generated', 'A bill was generated.', ['billing']),
  staff('billing.refund_processed', 'A refund was processed.', ['finance']),
  staff('billing.deposit_received', 'A deposit was received.', ['accounts']),
  staff('package.purchased', 'A package was purchased.'),
  staff('package.redeemed', 'A package use was redeemed.'),
  staff('package.expired', 'A package expired.'),
  staff('package.exhausted', 'A package has no uses left.'),
  staff('lab.test_requested', 'A lab test was requested.', ['lab']),
  classified({
    type: 'credit.insufficient',
    audience: 'admin',
    producedBy: 'kabar',
    defaultChannels: ['EMAIL'],
    description: 'A WhatsApp message could not be paid for (at most one alert per tenant per hour).',
    notifies: true,
  }),
  classified({
    type: 'whatsapp.template_status',
    audience: 'admin',
    producedBy: 'kabar',
    defaultChannels: ['EMAIL'],
    description:
      "Meta changed its verdict on (or the category of) a WhatsApp template: once per change, to the tenant's administrators.",
    notifies: true,
  }),
];

const BY_TYPE = new Map(EVENT_TYPES.map((e) => [e.type, e]));

export function isKnownEventType(t: string): boolean {
  return BY_TYPE.has(t);
}

export function eventTypeInfo(t: string): EventTypeInfo | undefined {
  return BY_TYPE.get(t);
}

export function notifyingEventTypes(): string[] {
  return EVENT_TYPES.filter((e) => e.notifies).map((e) => e.type);
}

/** `pattern` is an exact type, `prefix.*`, or `*`. */
export function matchesEventPattern(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** Valid: `*`, a known type, or `prefix.*` matching at least one known type. */
export function isValidEventPattern(pattern: string): boolean {
  if (pattern === '*' || isKnownEventType(pattern)) return true;
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*$/.test(pattern)) return false;
  return EVENT_TYPES.some((e) => matchesEventPattern(pattern, e.type));
}

/** The self-contained JSON Schema of an event type's `data` (a copy, safe to mutate). */
export function eventSchema(type: string): object | undefined {
  const schema = EVENT_DATA_SCHEMAS[type];
  return schema ? structuredClone(schema) : undefined;
}

export type EventDataValidation = { ok: true } | { ok: false; errors: { path: string; message: string }[] };

// ajv ships CommonJS; under NodeNext the default import is module.exports, whose .default is the class.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

let ajv: InstanceType<typeof Ajv2020> | undefined;
const validators = new Map<string, ValidateFunction>();

function validatorFor(type: string): ValidateFunction | undefined {
  const cached = validators.get(type);
  if (cached) return cached;
  const schema = EVENT_DATA_SCHEMAS[type];
  if (!schema) return undefined;
  ajv ??= addFormats(new Ajv2020({ allErrors: true, allowUnionTypes: true }));
  const validate = ajv.compile(schema);
  validators.set(type, validate);
  return validate;
}

export function validateEventData(type: string, data: unknown): EventDataValidation {
  const validate = validatorFor(type);
  if (!validate) return { ok: false, errors: [{ path: '', message: `unknown event type "${type}"` }] };
  // First what PostgreSQL could not store (before the schema walks an absurdly deep value).
  // Other control characters are neutralised when rendering (src/templates/render.ts).
  const unstorable = storableProblem(data);
  if (unstorable) return { ok: false, errors: [unstorable] };
  if (validate(data)) return { ok: true };
  const errors = (validate.errors ?? []).map((e) => {
    // Point at the missing property itself rather than its parent object.
    const missing = e.keyword === 'required' ? `/${String(e.params.missingProperty)}` : '';
    return { path: `${e.instancePath}${missing}` || '/', message: sentenceFor(e) ?? e.message ?? 'is invalid' };
  });
  return { ok: false, errors };
}

/** What a shared definition's pattern means, as a sentence: a partner never reads a regular expression. */
const PATTERN_SENTENCES: Record<string, string> = {
  phone: phoneProblem(),
  money: 'must be an amount written as a string of digits with at most one ".", e.g. "150000" or "1250.50"',
  currency: 'must be an ISO 4217 currency code, e.g. "IDR"',
};

function sentenceFor(e: ErrorObject): string | undefined {
  if (e.keyword !== 'pattern') return undefined;
  const def = /^#\/\$defs\/([^/]+)\/pattern$/.exec(e.schemaPath)?.[1];
  return def ? PATTERN_SENTENCES[def] : undefined;
}
