import { sql, type SQL } from 'drizzle-orm';
import { pgPolicy, pgRole, type AnyPgColumn } from 'drizzle-orm/pg-core';

// Both roles are created by the first (custom) migration: roles are server-wide, so that
// migration guards with IF NOT EXISTS. The application switches to one of them inside every
// transaction (src/db/tenant.ts), so RLS holds even on a superuser connection.
export const appRole = pgRole('kabar_app').existing();
export const platformRole = pgRole('kabar_platform').existing();

/** The tenant of the current transaction, or NULL when none was set (then nothing matches). */
export const currentTenant = sql`nullif(current_setting('app.tenant_id', true), '')::uuid`;

/** The one isolation policy every tenant-owned table carries. */
export function tenantPolicy(tenantId: AnyPgColumn) {
  const own: SQL = sql`${tenantId} = ${currentTenant}`;
  return pgPolicy('tenant_isolation', { as: 'permissive', for: 'all', to: appRole, using: own, withCheck: own });
}

/** Platform administrators see every row of the few tables their operations span. */
export function platformPolicy() {
  return pgPolicy('platform_access', {
    as: 'permissive',
    for: 'all',
    to: platformRole,
    using: sql`true`,
    withCheck: sql`true`,
  });
}
