import { sql } from 'drizzle-orm';
import { patients } from '../schema/index.js';
import type { TenantScope } from '../db/tenant.js';
import type { Language } from './tenants.service.js';

export type PatientRow = typeof patients.$inferSelect;

/** What an event says about a patient: the directory keeps the latest. */
export interface PatientSighting {
  id: string;
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  language?: Language | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const LANG: Record<string, Language> = { id: 'ID', en: 'EN', fr: 'FR' };

/** The patients an event's data names (one, or each affected patient of an emergency leave). */
export function patientsIn(data: unknown): PatientSighting[] {
  const d = obj(data);
  const raw = Array.isArray(d.affected) ? d.affected.map((a) => obj(a).patient) : [d.patient];
  return raw.flatMap((p) => {
    const o = obj(p);
    const id = str(o.id);
    return id
      ? [
          {
            id,
            name: str(o.name) ?? null,
            phone: str(o.phone) ?? null,
            email: str(o.email) ?? null,
            language: LANG[str(o.language) ?? ''] ?? null,
          },
        ]
      : [];
  });
}

/**
 * Keeps the directory current with what events say, at the end of the unit of work (one
 * statement for a batch; nothing in the unit reads it back). A field an event leaves out keeps
 * its known value; the last sighting of a patient in the batch wins.
 */
export function rememberPatients(scope: TenantScope, seen: PatientSighting[], now: Date): void {
  if (seen.length === 0) return;
  const latest = new Map(seen.map((p) => [p.id, p]));
  const rows = [...latest.values()].map((p) => ({
    tenantId: scope.tenantId,
    id: p.id,
    name: p.name ?? null,
    phone: p.phone ?? null,
    email: p.email ?? null,
    language: p.language ?? null,
    updatedAt: now,
  }));
  const keep = (column: string) => sql.raw(`coalesce(excluded.${column}, patients.${column})`);
  const set = {
    name: keep('name'),
    phone: keep('phone'),
    email: keep('email'),
    language: keep('language'),
    updatedAt: now,
  };
  scope.atCommit.write(
    patients,
    scope.tx
      .insert(patients)
      .values(rows)
      .onConflictDoUpdate({ target: [patients.tenantId, patients.id], set }),
  );
}

/** The patients of the tenant known to use a phone number (an inbound reply finds them by it). */
export async function patientsByPhone(scope: TenantScope, phone: string): Promise<PatientRow[]> {
  return scope.tx.select().from(patients).where(sql`${patients.phone} = ${phone}`);
}
