import { and, asc, eq, inArray } from 'drizzle-orm';
import { patientPreferences } from '../schema/index.js';
import type { TenantScope } from '../db/tenant.js';
import { CHANNELS, EVENT_CATEGORIES, type ChannelName } from '../events/catalogue.js';
import { ValidationError } from '../domain-errors.js';
import { checkNonEmpty } from '../validation.js';
import { audit } from './audit.service.js';
import type { EventEnvelope } from '../events/envelope.js';

export type PreferenceRow = typeof patientPreferences.$inferSelect;
export type ConsentStatus = PreferenceRow['status'];

/** One choice to record. */
export interface Choice {
  patientId: string;
  channel: ChannelName;
  /** An event category; null = the whole channel. */
  category: string | null;
  status: ConsentStatus;
  /** "api", "event", "inbound:whatsapp", "inbound:sms". */
  source: string;
  evidence?: string | null;
  /** JWT subject, partner event id, or the patient's own number. */
  actor: string;
}

/**
 * Appends choices (never updates: the table is append-only) and audits each. Returns the rows
 * as stored. A later choice applies to every message released after it commits.
 */
export async function recordChoices(scope: TenantScope, choices: Choice[], at = new Date()): Promise<PreferenceRow[]> {
  if (choices.length === 0) return [];
  const rows = await scope.tx
    .insert(patientPreferences)
    .values(
      choices.map((c) => ({
        tenantId: scope.tenantId,
        patientId: c.patientId,
        channel: c.channel,
        category: c.category,
        status: c.status,
        source: c.source,
        evidence: c.evidence ?? null,
        actor: c.actor,
        at,
      })),
    )
    .returning();
  for (const r of rows) {
    await audit(scope, {
      action: 'patient.preference.recorded',
      entityType: 'patient',
      entityId: r.patientId,
      details: {
        channel: r.channel,
        category: r.category,
        status: r.status,
        source: r.source,
        evidence: r.evidence,
        preferenceId: r.id,
      },
    });
  }
  return rows;
}

/** Every choice of one patient, oldest first. */
export async function preferenceHistory(scope: TenantScope, patientId: string): Promise<PreferenceRow[]> {
  return scope.tx
    .select()
    .from(patientPreferences)
    .where(eq(patientPreferences.patientId, patientId))
    .orderBy(asc(patientPreferences.id));
}

/** The choice in force for each (channel, category) ever set: the latest of each. */
export function inForce(history: PreferenceRow[]): PreferenceRow[] {
  const latest = new Map<string, PreferenceRow>();
  for (const r of [...history].sort((a, b) => a.id - b.id)) latest.set(`${r.channel}\u0000${r.category ?? ''}`, r);
  return [...latest.values()];
}

/** The choices in force of several patients (dispatch reads them once per batch). */
export async function choicesInForce(scope: TenantScope, patientIds: string[]): Promise<Map<string, PreferenceRow[]>> {
  const out = new Map<string, PreferenceRow[]>();
  if (patientIds.length === 0) return out;
  const rows = await scope.tx
    .select()
    .from(patientPreferences)
    .where(and(inArray(patientPreferences.patientId, [...new Set(patientIds)])))
    .orderBy(asc(patientPreferences.id));
  const byPatient = new Map<string, PreferenceRow[]>();
  for (const r of rows) byPatient.set(r.patientId, [...(byPatient.get(r.patientId) ?? []), r]);
  for (const [id, list] of byPatient) out.set(id, inForce(list));
  return out;
}

/** What the API takes for one choice (setPatientPreference). */
export interface PreferenceInput {
  patientId: string;
  channel: ChannelName;
  category?: string | null;
  status: ConsentStatus;
  evidence?: string | null;
}

/** Every choice of a patient, and the ones in force, as patientPreferences answers. */
export async function preferencesOf(
  scope: TenantScope,
  patientId: string,
): Promise<{ patientId: string; current: PreferenceRow[]; history: PreferenceRow[] }> {
  const id = checkNonEmpty('patientId', patientId, 200);
  const history = await preferenceHistory(scope, id);
  return { patientId: id, current: inForce(history), history };
}

/** Records one choice made through the API: source "api", actor the caller (the JWT subject). */
export async function setPatientPreference(scope: TenantScope, input: PreferenceInput) {
  const patientId = checkNonEmpty('input.patientId', input.patientId, 200);
  const category = input.category ?? null;
  if (category !== null && !EVENT_CATEGORIES.includes(category)) {
    throw new ValidationError(
      'input.category',
      `input.category must be null (the whole channel) or an event category: ${EVENT_CATEGORIES.join(', ')}`,
    );
  }
  const evidence = input.evidence?.trim() || null;
  if (evidence && evidence.length > 500)
    throw new ValidationError('input.evidence', 'input.evidence must be at most 500 characters');
  await recordChoices(scope, [
    { patientId, channel: input.channel, category, status: input.status, source: 'api', evidence, actor: scope.actor },
  ]);
  return preferencesOf(scope, patientId);
}

const PREFERENCES_UPDATED = 'patient.preferences_updated';

/**
 * patient.preferences_updated: records each choice it carries for data.patient.id (source
 * "event", actor the event id); it notifies nobody. The event's JSON Schema has already
 * accepted it (categories included), so a malformed entry here is skipped, never guessed at.
 */
export async function applyPreferenceEvent(
  scope: TenantScope,
  e: EventEnvelope,
  at = new Date(),
): Promise<PreferenceRow[]> {
  if (e.type !== PREFERENCES_UPDATED) return [];
  const data = (e.data ?? {}) as { patient?: { id?: unknown }; preferences?: unknown };
  const patientId = typeof data.patient?.id === 'string' ? data.patient.id : '';
  if (!patientId || !Array.isArray(data.preferences)) return [];
  const choices: Choice[] = [];
  for (const p of data.preferences as Record<string, unknown>[]) {
    const channel = String(p?.channel ?? '').toUpperCase() as ChannelName;
    const status = String(p?.status ?? '').toUpperCase() as ConsentStatus;
    const category = typeof p?.category === 'string' ? p.category : null;
    if (
      !CHANNELS.includes(channel) ||
      (status !== 'OPTED_IN' && status !== 'OPTED_OUT') ||
      (category !== null && !EVENT_CATEGORIES.includes(category))
    )
      continue;
    choices.push({
      patientId,
      channel,
      category,
      status,
      source: 'event',
      evidence: typeof p.evidence === 'string' ? p.evidence : null,
      actor: e.id,
    });
  }
  return recordChoices(scope, choices, at);
}
