// Template variables: every name a template may use, where its value comes from in the
// event data, and how it is formatted. Which variables an event type offers, and which
// are guaranteed, is derived from the event's JSON Schema so the two never drift apart.
import type { LanguageCode } from '../events/catalogue.js';
import { EVENT_DATA_SCHEMAS } from '../events/event-schemas.js';
import { formatDateTime, formatMoney, formatOffset, LABELS, validTimeZone } from './value-formats.js';

export type VariableFormat =
  | 'text'
  | 'date'
  | 'time'
  | 'money'
  | 'offset'
  | 'paymentStatus'
  | 'purchaseStatus'
  | 'cancelledBy'
  | 'priority';

export interface VariableDef {
  name: string;
  /** Dotted path in the event data; `affected[]` paths are resolved per affected patient. */
  path: string;
  /** For money: path of the currency code beside the amount. */
  currencyPath?: string;
  format: VariableFormat;
  description: string;
}

const v = (
  name: string,
  path: string,
  format: VariableFormat,
  description: string,
  currencyPath?: string,
): VariableDef => ({
  name,
  path,
  format,
  description,
  ...(currencyPath ? { currencyPath } : {}),
});

export const VARIABLES: readonly VariableDef[] = [
  v('patient.name', 'patient.name', 'text', "Patient's name"),
  v('patient.phone', 'patient.phone', 'text', "Patient's phone (E.164)"),
  v('patient.email', 'patient.email', 'text', "Patient's email"),
  v('appointment.bookingReference', 'appointment.bookingReference', 'text', 'Booking reference'),
  v('appointment.slotDate', 'appointment.slotStart', 'date', 'Slot date, long form, in the centre time zone'),
  v('appointment.slotTime', 'appointment.slotStart', 'time', 'Slot start time (HH:MM) in the centre time zone'),
  v('appointment.status', 'appointment.status', 'text', 'Appointment status as sent by the partner'),
  v('doctor.name', 'doctor.name', 'text', "Doctor's name"),
  v('centre.name', 'centre.name', 'text', 'Centre (hospital or clinic) name'),
  v('centre.phone', 'centre.phone', 'text', 'Centre phone'),
  v('financial.amount', 'financial.amount', 'money', 'Amount with currency, formatted', 'financial.currency'),
  v('financial.paymentStatus', 'financial.paymentStatus', 'paymentStatus', 'Payment status, localised'),
  v('walkIn.tokenNumber', 'walkIn.tokenNumber', 'text', 'Walk-in token number'),
  v('walkIn.queueName', 'walkIn.queueName', 'text', 'Queue name'),
  v('walkIn.position', 'walkIn.position', 'text', 'Position in queue (0 = being served)'),
  v('walkIn.room', 'walkIn.room', 'text', 'Counter or room'),
  v('hospitalContact', 'hospitalContact', 'text', 'Hospital contact'),
  v('clinicService', 'clinicService', 'text', 'Clinic or service registered with'),
  v('prescription.number', 'prescription.number', 'text', 'Prescription number'),
  v('prescription.paymentInstructions', 'prescription.paymentInstructions', 'text', 'Payment instructions'),
  v('prescription.pickupInstructions', 'prescription.pickupInstructions', 'text', 'Pickup instructions'),
  v('refund.amount', 'refund.amount', 'money', 'Refund amount with currency, formatted', 'refund.currency'),
  v('refund.reason', 'refund.reason', 'text', 'Refund reason'),
  v('rescheduleUrl', 'rescheduleUrl', 'text', 'Link to reschedule'),
  v('leave.from', 'leaveFrom', 'date', 'First day of the leave'),
  v('leave.until', 'leaveUntil', 'date', 'Last day of the leave'),
  v('previousSlotDate', 'previousSlotStart', 'date', 'Previous slot date'),
  v('previousSlotTime', 'previousSlotStart', 'time', 'Previous slot time'),
  v('reason', 'reason', 'text', 'Reason for rejection or cancellation'),
  v('cancelledBy', 'cancelledBy', 'cancelledBy', 'Who cancelled, localised'),
  v('report.name', 'report.name', 'text', 'Report name'),
  v('reminder.offset', 'offsetMinutes', 'offset', 'Time before the slot, localised text ("24 jam", "30 minutes")'),
  v('bill.number', 'bill.number', 'text', 'Bill number'),
  v('bill.amount', 'bill.amount', 'money', 'Bill amount with currency', 'bill.currency'),
  v('deposit.amount', 'deposit.amount', 'money', 'Deposit amount with currency', 'deposit.currency'),
  v('package.name', 'package.name', 'text', 'Package name'),
  v('package.remainingUses', 'package.remainingUses', 'text', 'Uses left in the package'),
  v('test.name', 'test.name', 'text', 'Lab test name'),
  v('test.priority', 'test.priority', 'priority', 'Lab test priority, localised'),
  v('purchase.amount', 'purchase.amount', 'money', 'Credit purchase amount with currency', 'purchase.currency'),
  v('purchase.status', 'purchase.status', 'purchaseStatus', 'Credit purchase status, localised'),
  v('purchase.reference', 'purchase.reference', 'text', 'Payment reference'),
  v('purchase.failureReason', 'purchase.failureReason', 'text', 'Why the purchase failed'),
  v('credit.balance', 'balance', 'money', 'WhatsApp credit balance', 'currency'),
  v('credit.required', 'required', 'money', 'Price of the message that could not be paid', 'currency'),
  v('template.name', 'template.name', 'text', 'Meta template name'),
  v('template.language', 'template.language', 'text', "Meta template's language code"),
  v('template.status', 'template.status', 'text', "Meta's verdict: APPROVED, PENDING, REJECTED, PAUSED, DISABLED"),
  v('template.reason', 'template.reason', 'text', "Meta's reason for the verdict"),
  v('template.category', 'template.category', 'text', 'The category Meta put the template in'),
  v('tenant.name', 'tenant.name', 'text', 'Tenant (hospital group) name'),
];

/** Events whose recipients are the items of an array: per-recipient data lives there. */
const RECIPIENT_SCOPE: Readonly<Record<string, string>> = { 'doctor.emergency_leave': 'affected' };

type Node = Record<string, unknown>;

/** Properties and required names of a schema node, following `$ref` and `allOf`. */
function shape(root: Node, node: unknown): { properties: Record<string, unknown>; required: string[] } {
  const out = { properties: {} as Record<string, unknown>, required: [] as string[] };
  if (!node || typeof node !== 'object') return out;
  const n = node as Node;
  const parts: unknown[] = [n, ...((n.allOf as unknown[]) ?? [])];
  if (typeof n.$ref === 'string') parts.push((root.$defs as Node)?.[n.$ref.replace('#/$defs/', '')]);
  for (const p of parts.slice(1)) {
    const s = shape(root, p);
    Object.assign(out.properties, s.properties);
    out.required.push(...s.required);
  }
  Object.assign(out.properties, (n.properties as Record<string, unknown>) ?? {});
  out.required.push(...((n.required as string[]) ?? []));
  return out;
}

/** Whether `path` exists in the schema and, per step, whether that step is required. */
function lookup(root: Node, path: string[]): boolean[] | undefined {
  let node: unknown = root;
  const steps: boolean[] = [];
  for (const seg of path) {
    const s = shape(root, node);
    if (!(seg in s.properties)) return undefined;
    steps.push(s.required.includes(seg));
    node = s.properties[seg];
    // Arrays are only used for recipients, which are required with minItems 1.
    const items = (node as Node | undefined)?.items;
    if (items) node = items;
  }
  return steps;
}

interface Resolved {
  path: string[];
  steps: boolean[];
  currencyPath?: string[];
  currencySteps?: boolean[];
}

/** Where a variable lives in an event's data, or undefined if the event lacks it. */
function resolve(eventType: string, def: VariableDef): Resolved | undefined {
  const root = EVENT_DATA_SCHEMAS[eventType] as Node | undefined;
  if (!root) return undefined;
  const scope = RECIPIENT_SCOPE[eventType];
  for (const prefix of scope ? [[], [scope]] : [[]]) {
    const path = [...prefix, ...def.path.split('.')];
    const steps = lookup(root, path);
    if (!steps) continue;
    if (!def.currencyPath) return { path, steps };
    const currencyPath = [...prefix, ...def.currencyPath.split('.')];
    const currencySteps = lookup(root, currencyPath);
    return currencySteps ? { path, steps, currencyPath, currencySteps } : undefined;
  }
  return undefined;
}

const DEFS = new Map(VARIABLES.map((d) => [d.name, d]));
const cache = new Map<string, Map<string, Resolved>>();

function resolvedFor(eventType: string): Map<string, Resolved> {
  let entry = cache.get(eventType);
  if (!entry) {
    entry = new Map();
    for (const def of VARIABLES) {
      const r = resolve(eventType, def);
      if (r) entry.set(def.name, r);
    }
    cache.set(eventType, entry);
  }
  return entry;
}

const allFrom = (steps: boolean[] | undefined, from: number) => (steps ?? []).slice(from).every(Boolean);
const isGuaranteed = (r: Resolved) => allFrom(r.steps, 0) && allFrom(r.currencySteps, 0);

/** Variables an event type offers, and those always present for it. */
export function variablesFor(eventType: string): { all: string[]; guaranteed: string[] } {
  const resolved = resolvedFor(eventType);
  return {
    all: [...resolved.keys()],
    guaranteed: [...resolved].filter(([, r]) => isGuaranteed(r)).map(([name]) => name),
  };
}

/**
 * Variables certainly present whenever `guard` is: those whose data is required within
 * an object that `guard` proves exists (e.g. appointment.slotDate once
 * appointment.bookingReference is present, for events where the appointment is optional).
 */
export function variablesImpliedBy(eventType: string, guard: string): string[] {
  const resolved = resolvedFor(eventType);
  const g = resolved.get(guard);
  if (!g) return [];
  const common = (p: string[]) => {
    let k = 0;
    while (k < p.length && k < g.path.length - 1 && p[k] === g.path[k]) k++;
    return k;
  };
  const implied = (path: string[], steps: boolean[]) =>
    path.join('.') === g.path.join('.') || allFrom(steps, common(path));
  return [...resolved]
    .filter(([, r]) => implied(r.path, r.steps) && (!r.currencyPath || implied(r.currencyPath, r.currencySteps!)))
    .map(([name]) => name);
}

// ---- Building values from event data (formatted by src/templates/value-formats.ts) ------

function get(data: unknown, path: string[], index: number): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
    if (Array.isArray(cur)) cur = cur[index];
  }
  return cur;
}

export interface BuildOptions {
  language: LanguageCode;
  /** Tenant default time zone, used when the centre has none. */
  timeZone?: string;
  /** doctor.emergency_leave: which affected patient the message is for. */
  affectedIndex?: number;
}

/**
 * The formatted values of every variable an event offers, ready for renderTemplate.
 * Absent data gives an absent key, never "undefined".
 */
export function buildVariables(
  eventType: string,
  data: unknown,
  opts: BuildOptions,
): Record<string, string | undefined> {
  const { language } = opts;
  const index = opts.affectedIndex ?? 0;
  const centreTz = get(data, ['centre', 'timezone'], index);
  const timeZone = validTimeZone(centreTz) ? centreTz : validTimeZone(opts.timeZone) ? opts.timeZone : undefined;
  const out: Record<string, string | undefined> = {};
  for (const [name, r] of resolvedFor(eventType)) {
    const def = DEFS.get(name)!;
    const raw = get(data, r.path, index);
    if (raw === undefined || raw === null || raw === '') continue;
    const value = String(raw);
    switch (def.format) {
      case 'date':
      case 'time':
        out[def.name] = formatDateTime(value, def.format, language, timeZone);
        break;
      case 'money': {
        const currency = get(data, r.currencyPath ?? [], index);
        out[def.name] = typeof currency === 'string' ? formatMoney(value, currency, language) : value;
        break;
      }
      case 'offset':
        out[def.name] = typeof raw === 'number' ? formatOffset(raw, language) : value;
        break;
      case 'text':
        out[def.name] = value;
        break;
      default:
        out[def.name] = LABELS[def.format]?.[language]?.[value] ?? value;
    }
  }
  return out;
}
