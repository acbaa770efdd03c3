import { asc, eq } from 'drizzle-orm';
import { tenants } from '../schema/index.js';
import { NotFoundError } from '../domain-errors.js';
import type { PlatformScope, TenantScope } from '../db/tenant.js';
import { Checks, checkCountry, checkCurrency, checkNonEmpty, checkTimeZone } from '../validation.js';
import { auditPlatform } from './audit.service.js';

export type TenantRow = typeof tenants.$inferSelect;
export type Language = TenantRow['defaultLanguage'];

export interface CreateTenantInput {
  name: string;
  country: string;
  currency: string;
  defaultLanguage: Language;
  timezone: string;
}

export async function createTenant(scope: PlatformScope, input: CreateTenantInput): Promise<TenantRow> {
  const c = new Checks();
  const values = {
    name: c.check(() => checkNonEmpty('input.name', input.name)),
    country: c.check(() => checkCountry('input.country', input.country)),
    currency: c.check(() => checkCurrency('input.currency', input.currency)),
    defaultLanguage: input.defaultLanguage,
    timezone: c.check(() => checkTimeZone('input.timezone', input.timezone)),
  };
  c.done();
  const [row] = await scope.tx.insert(tenants).values(values).returning();
  await auditPlatform(scope, {
    tenantId: row!.id,
    action: 'tenant.create',
    entityType: 'tenant',
    entityId: row!.id,
    details: values,
  });
  return row!;
}

export async function listTenants(scope: PlatformScope): Promise<TenantRow[]> {
  return scope.tx.select().from(tenants).orderBy(asc(tenants.createdAt), asc(tenants.id));
}

/** The caller's own tenant (RLS returns no other row). */
export async function getTenant(scope: TenantScope): Promise<TenantRow> {
  const row = await getTenantIfExists(scope);
  if (!row) throw new NotFoundError('Tenant', scope.tenantId);
  return row;
}

/** Platform lookup used when a platform admin names a tenant. */
export async function findTenant(scope: PlatformScope, id: string): Promise<TenantRow | undefined> {
  const [row] = await scope.tx.select().from(tenants).where(eq(tenants.id, id));
  return row;
}

/** The scope's tenant, or undefined when no such tenant exists (an event naming a stranger). */
export async function getTenantIfExists(scope: TenantScope): Promise<TenantRow | undefined> {
  const [row] = await scope.tx.select().from(tenants).where(eq(tenants.id, scope.tenantId));
  return row;
}
