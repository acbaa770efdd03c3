import { sql } from 'drizzle-orm';
import type { DbHandle } from '../db/db-client.js';
import type { PlatformScope, TenantScope } from '../db/tenant.js';

/**
 * Tenant configuration the dispatcher reads for every event (tenant row, channel settings,
 * templates, WhatsApp switch, credentials and prices, staff and routing), kept so that events
 * do not re-read it each time. A configuration change clears it in every process as it commits:
 * the changing transaction NOTIFYs `kabar_config` (audit.ts), and every process LISTENs
 * (watchConfigChanges). The TTL only bounds what nobody announced (a row edited by hand). The
 * API's own reads never go through here: what it returns is always current.
 */
let ttlMs = 30_000;
const CHANNEL = 'kabar_config';
const EVERY_TENANT = '*';
const entries = new Map<string, { expires: number; values: Map<string, Promise<unknown>> }>();

export function configureConfigCache(ms: number): void {
  ttlMs = ms;
  entries.clear();
}

export function cachedConfig<T>(scope: TenantScope, key: string, load: () => PromiseLike<T>): Promise<T> {
  if (ttlMs <= 0) return Promise.resolve(load());
  const now = Date.now();
  let entry = entries.get(scope.tenantId);
  if (!entry || entry.expires <= now) {
    entry = { expires: now + ttlMs, values: new Map() };
    entries.set(scope.tenantId, entry);
    if (entries.size > 10_000) entries.delete(entries.keys().next().value!);
  }
  const hit = entry.values.get(key);
  if (hit) return hit as Promise<T>;
  const values = entry.values;
  // A real promise, settled once: drizzle's query builders are thenables that run again on every then().
  const value = Promise.resolve(load());
  values.set(key, value);
  // A failed read is not remembered.
  value.catch(() => values.get(key) === value && values.delete(key));
  return value;
}

export function invalidateTenantConfig(tenantId: string): void {
  entries.delete(tenantId);
}

export function invalidateAllConfig(): void {
  entries.clear();
}

/**
 * Announces, in the changing transaction, that a tenant's configuration changes on commit: the
 * scope's tenant, the one named (a tenant just created: a cached "no such tenant" must go), or
 * with a platform scope every tenant (prices).
 */
export function announceConfigChange(scope: TenantScope | PlatformScope, tenantId?: string): void {
  const tenant = tenantId ?? ('tenantId' in scope ? scope.tenantId : EVERY_TENANT);
  // Delivered when (and only if) the transaction commits.
  scope.atCommit.run(sql`select pg_notify(${CHANNEL}, ${tenant})`);
  scope.afterCommit(() => forget(tenant));
}

/** Drops what an announcement names: one tenant's configuration, or every tenant's. */
function forget(tenant: string): void {
  if (tenant === EVERY_TENANT) invalidateAllConfig();
  else invalidateTenantConfig(tenant);
}

/** Clears what other processes announce; a reconnect clears everything (announcements made meanwhile are lost). */
export function watchConfigChanges(db: DbHandle): Promise<() => Promise<void>> {
  return db.listen(CHANNEL, forget, invalidateAllConfig);
}
