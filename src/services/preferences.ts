import { and, asc, eq, inArray } from 'drizzle-orm';
import { patientPreferences } from '../schema/index.js';
import type { TenantScope } from '../db/tenant.js';
import type { ChannelName } from '../events/catalogue.js';
import { audit } from './audit.js';

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
    .values(choices.map((c) => ({ tenantId: scope.tenantId, patientId: c.patientId, channel: c.channel, category: c.category, status: c.status, source: c.source, evidence: c.evidence ?? null, actor: c.actor, at })))
    .returning();
  for (const r of rows) {
    await audit(scope, {
      action: 'patient.preference.recorded',
      entityType: 'patient',
      entityId: r.patientId,
      details: { channel: r.channel, category: r.category, status: r.status, source: r.source, evidence: r.evidence, preferenceId: r.id },
    });
  }
  return rows;
}

/** Every choice of one patient, oldest first. */
export async function preferenceHistory(scope: TenantScope, patientId: string): Promise<PreferenceRow[]> {
  return scope.tx.select().from(patientPreferences).where(eq(patientPreferences.patientId, patientId)).orderBy(asc(patientPreferences.id));
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
