import { eq } from 'drizzle-orm';
import { referenceData } from '../schema/index.js';
import { ValidationError } from '../domain-errors.js';
import type { TenantScope } from '../db/tenant.js';
import { checkNonEmpty } from '../validation.js';
import { audit } from './audit.service.js';
import { cachedConfig } from './config-cache.service.js';

export type ReferenceDataRow = typeof referenceData.$inferSelect;

import {
  PRIVATE_PREVIEWS_KEY,
  REFERENCE_DATA_KEYS,
  referenceDataKey,
  WHATSAPP_SWITCH,
} from './reference-data-keys.service.js';

export { PRIVATE_PREVIEWS_KEY, WHATSAPP_SWITCH };

export async function getReferenceData(scope: TenantScope, key: string): Promise<ReferenceDataRow | undefined> {
  const [row] = await scope.tx.select().from(referenceData).where(eq(referenceData.key, key));
  return row;
}

export async function setReferenceData(scope: TenantScope, key: string, value: string): Promise<ReferenceDataRow> {
  const k = checkNonEmpty('key', key, 100);
  const info = referenceDataKey(k);
  if (!info)
    throw new ValidationError(
      'key',
      `Unknown key "${k}": Kabar reads ${REFERENCE_DATA_KEYS.map((i) => i.key).join(', ')}`,
    );
  if (value.length > 2000) throw new ValidationError('value', 'value must be at most 2000 characters');
  const problem = info.check(value);
  if (problem) throw new ValidationError('value', problem);
  const previous = await getReferenceData(scope, k);
  const now = new Date();
  const [row] = await scope.tx
    .insert(referenceData)
    .values({ tenantId: scope.tenantId, key: k, value, updatedAt: now })
    .onConflictDoUpdate({ target: [referenceData.tenantId, referenceData.key], set: { value, updatedAt: now } })
    .returning();
  await audit(scope, {
    action: 'config.reference_data.set',
    entityType: 'reference_data',
    entityId: k,
    details: { from: previous?.value ?? null, to: value },
  });
  return row!;
}

/** A value as dispatch reads it: every key of the tenant in one query, kept by the configuration cache. */
export async function cachedReferenceValue(scope: TenantScope, key: string): Promise<string | undefined> {
  const all = await cachedConfig(
    scope,
    'reference-data',
    async () => new Map((await scope.tx.select().from(referenceData)).map((r) => [r.key, r.value])),
  );
  return all.get(key);
}

/** Every key Kabar reads, with the tenant's value where set. */
export async function referenceDataKeys(
  scope: TenantScope,
): Promise<{ key: string; description: string; defaultValue: string | null; value: string | null }[]> {
  const set = new Map((await scope.tx.select().from(referenceData)).map((r) => [r.key, r.value]));
  return REFERENCE_DATA_KEYS.map((k) => ({
    key: k.key,
    description: k.description,
    defaultValue: k.defaultValue,
    value: set.get(k.key) ?? null,
  }));
}

export async function whatsAppEnabled(scope: TenantScope): Promise<boolean> {
  return (await cachedReferenceValue(scope, WHATSAPP_SWITCH)) === '1';
}

export async function privatePreviewsEnabled(scope: TenantScope): Promise<boolean> {
  return (await cachedReferenceValue(scope, PRIVATE_PREVIEWS_KEY)) === '1';
}
