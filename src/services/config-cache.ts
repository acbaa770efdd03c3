import type { TenantScope } from '../db/tenant.js';

/**
 * Tenant configuration the dispatcher reads for every event (tenant row, channel settings,
 * templates, WhatsApp switch, credentials and prices, staff and routing), kept a moment so a
 * burst of events does not re-read it each time. A change made through this process clears
 * the tenant at once (audit.ts calls invalidate after commit); other processes see it within
 * the TTL. The API's own reads never go through here: what it returns is always current.
 */
let ttlMs = 2_000;
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
