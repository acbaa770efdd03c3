import type { TenantScope } from '../db/tenant.js';
import { eventTypeInfo } from '../events/catalogue.js';
import { decide, parseQuietHours, validTimeZone, type PolicyDecision, type QuietHours } from './policy.service.js';
import { choicesInForce, type PreferenceRow } from './preferences.service.js';
import { cachedReferenceValue } from './reference-data.service.js';
import { QUIET_HOURS_KEY, WHATSAPP_REQUIRE_OPT_IN } from './reference-data-keys.service.js';
import { reminderOffsets } from './scheduling.service.js';

/** What the policy needs about a tenant and a batch's patients, read once per unit of work. */
export interface PolicyContext {
  choices: Map<string, PreferenceRow[]>;
  requireWhatsAppOptIn: boolean;
  quietHours: QuietHours | null;
  tenantZone: string;
  reminderOffsets: number[];
}

/** The message the policy judges: its channel, for whom, of which event. */
export interface PolicySubject {
  channel: string;
  recipientKind: string;
  patientId: string | null;
  eventType: string;
}

export async function loadPolicy(scope: TenantScope, patientIds: string[], tenantZone: string): Promise<PolicyContext> {
  const [choices, optIn, quiet, offsets] = await Promise.all([
    choicesInForce(scope, patientIds),
    cachedReferenceValue(scope, WHATSAPP_REQUIRE_OPT_IN),
    cachedReferenceValue(scope, QUIET_HOURS_KEY),
    reminderOffsets(scope),
  ]);
  return {
    choices,
    requireWhatsAppOptIn: optIn === '1',
    quietHours: parseQuietHours(quiet),
    tenantZone,
    reminderOffsets: offsets,
  };
}

/** Reads a patient's choices again (a preferences event earlier in the same batch changed them). */
export async function refreshChoices(scope: TenantScope, ctx: PolicyContext, patientId: string): Promise<void> {
  ctx.choices.set(patientId, (await choicesInForce(scope, [patientId])).get(patientId) ?? []);
}

// biome-ignore lint/suspicious/noExplicitAny: schemaless JSON (event data, JSON Schemas) read by key
type Obj = Record<string, any>;

/** The policy's verdict on one message of an event whose data is `data`, at `now`. */
export function policyFor(ctx: PolicyContext, m: PolicySubject, data: unknown, now: Date): PolicyDecision {
  const info = eventTypeInfo(m.eventType);
  const d = (data ?? {}) as Obj;
  const forPatient = m.recipientKind === 'patient' && m.patientId !== null && info?.audience === 'patient';
  return decide({
    channel: m.channel,
    forPatient,
    category: info?.category ?? 'other',
    critical: info?.critical ?? false,
    choices: m.patientId ? (ctx.choices.get(m.patientId) ?? []) : [],
    requireWhatsAppOptIn: ctx.requireWhatsAppOptIn,
    quietHours: ctx.quietHours,
    timeZone: validTimeZone(d.centre?.timezone, ctx.tenantZone),
    now,
    ...(m.eventType === 'appointment.reminder' ? { reminder: reminderFacts(ctx, d, now) } : {}),
  });
}

function reminderFacts(
  ctx: PolicyContext,
  d: Obj,
  now: Date,
): { slotStart: Date; laterReminderAhead: boolean } | undefined {
  const slotStart = new Date(String(d.appointment?.slotStart));
  if (Number.isNaN(slotStart.getTime())) return undefined;
  const offset = Number(d.offsetMinutes);
  const laterReminderAhead = ctx.reminderOffsets.some(
    (o) => o < offset && slotStart.getTime() - o * 60_000 > now.getTime(),
  );
  return { slotStart, laterReminderAhead };
}

/** The partner's patient id of a "patient:<id>" ref. */
export function patientIdOf(recipientRef: string | null, recipientKind: string): string | null {
  return recipientKind === 'patient' && recipientRef?.startsWith('patient:')
    ? recipientRef.slice('patient:'.length)
    : null;
}
