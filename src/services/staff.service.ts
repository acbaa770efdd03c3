import { asc, eq, inArray } from 'drizzle-orm';
import { staffMembers } from '../schema/index.js';
import { NotFoundError, ValidationError } from '../domain-errors.js';
import type { TenantScope } from '../db/tenant.js';
import { Checks, checkEmail, checkNonEmpty, checkPhone, isId } from '../validation.js';
import { getTenant } from './tenants.service.js';
import { audit } from './audit.service.js';

export type StaffRow = typeof staffMembers.$inferSelect;

export interface StaffInput {
  id?: string | null;
  name: string;
  email?: string | null;
  phone?: string | null;
  pushTokens?: string[] | null;
  language?: StaffRow['language'] | null;
  departments: string[];
  centreIds?: string[] | null;
  active?: boolean | null;
}

const normaliseList = (field: string, items: string[], lower = false) => {
  const out = [...new Set(items.map((d) => (lower ? d.trim().toLowerCase() : d.trim())))];
  if (out.some((d) => !d || d.length > 200)) throw new ValidationError(field, `${field} must not contain empty values`);
  if (out.length > 100) throw new ValidationError(field, `${field} has too many values (100 at most)`);
  return out;
};

export async function listStaff(scope: TenantScope): Promise<StaffRow[]> {
  return scope.tx.select().from(staffMembers).orderBy(asc(staffMembers.name), asc(staffMembers.id));
}

export async function staffByIds(scope: TenantScope, ids: readonly string[]): Promise<StaffRow[]> {
  const valid = ids.filter(isId);
  if (valid.length === 0) return [];
  return scope.tx.select().from(staffMembers).where(inArray(staffMembers.id, valid));
}

export async function upsertStaff(scope: TenantScope, input: StaffInput): Promise<StaffRow> {
  const { country } = await getTenant(scope);
  const c = new Checks();
  const values = {
    name: c.check(() => checkNonEmpty('input.name', input.name)),
    email: input.email ? c.check(() => checkEmail('input.email', input.email!)) : null,
    // National numbers are read in the tenant's country; stored E.164.
    phone: input.phone ? c.check(() => checkPhone('input.phone', input.phone!, country)) : null,
    pushTokens: c.check(() => normaliseList('input.pushTokens', input.pushTokens ?? [])),
    language: input.language ?? null,
    departments: c.check(() => normaliseList('input.departments', input.departments, true)),
    centreIds: c.check(() => normaliseList('input.centreIds', input.centreIds ?? [])),
    active: input.active ?? true,
    updatedAt: new Date(),
  };
  c.done();
  let row: StaffRow | undefined;
  if (input.id) {
    if (!isId(input.id)) throw new NotFoundError('StaffMember', input.id);
    [row] = await scope.tx.update(staffMembers).set(values).where(eq(staffMembers.id, input.id)).returning();
    if (!row) throw new NotFoundError('StaffMember', input.id);
  } else {
    [row] = await scope.tx
      .insert(staffMembers)
      .values({ ...values, tenantId: scope.tenantId })
      .returning();
  }
  await audit(scope, {
    action: input.id ? 'config.staff.update' : 'config.staff.create',
    entityType: 'staff_member',
    entityId: row!.id,
    // Contact details are personal data: the audit keeps what changed, not the values.
    details: {
      name: values.name,
      departments: values.departments,
      centreIds: values.centreIds,
      active: values.active,
      hasEmail: !!values.email,
      hasPhone: !!values.phone,
      pushTokens: values.pushTokens.length,
    },
  });
  return row!;
}
