import { eq } from 'drizzle-orm';
import { referenceData } from '../schema/index.js';
import { ValidationError } from '../errors.js';
import type { TenantScope } from '../db/tenant.js';
import { checkNonEmpty } from '../validation.js';
import { audit } from './audit.js';
import { cachedConfig } from './config-cache.js';

export type ReferenceDataRow = typeof referenceData.$inferSelect;

/** The feature switch for WhatsApp: "1" on, anything else (or missing) off. */
export const WHATSAPP_SWITCH = 'WhatsApp_Notification';

/** Lock-screen-safe SMS and push texts for clinical events (src/templates/private.ts): "1" on, anything else off. */
export const PRIVATE_PREVIEWS_KEY = 'Private_Previews';

// Keys Kabar itself reads, with the values each accepts.
const KNOWN_VALUES: Record<string, RegExp> = { [WHATSAPP_SWITCH]: /^[01]$/ };

export async function getReferenceData(scope: TenantScope, key: string): Promise<ReferenceDataRow | undefined> {
  const [row] = await scope.tx.select().from(referenceData).where(eq(referenceData.key, key));
  return row;
}

export async function setReferenceData(scope: TenantScope, key: string, value: string): Promise<ReferenceDataRow> {
  const k = checkNonEmpty('key', key, 100);
  if (k in KNOWN_VALUES && !KNOWN_VALUES[k]!.test(value)) {
    throw new ValidationError('value', `${k} must be "1" (on) or "0" (off)`);
  }
  if (value.length > 2000) throw new ValidationError('value', 'value must be at most 2000 characters');
  const previous = await getReferenceData(scope, k);
  const now = new Date();
  const [row] = await scope.tx
    .insert(referenceData)
    .values({ tenantId: scope.tenantId, key: k, value, updatedAt: now })
    .onConflictDoUpdate({ target: [referenceData.tenantId, referenceData.key], set: { value, updatedAt: now } })
    .returning();
  await audit(scope, { action: 'config.reference_data.set', entityType: 'reference_data', entityId: k, details: { from: previous?.value ?? null, to: value } });
  return row!;
}

/** A value as dispatch reads it: every key of the tenant in one query, kept by the configuration cache. */
export async function cachedReferenceValue(scope: TenantScope, key: string): Promise<string | undefined> {
  const all = await cachedConfig(scope, 'reference-data', async () => new Map((await scope.tx.select().from(referenceData)).map((r) => [r.key, r.value])));
  return all.get(key);
}

export async function whatsAppEnabled(scope: TenantScope): Promise<boolean> {
  return (await cachedReferenceValue(scope, WHATSAPP_SWITCH)) === '1';
}

export async function privatePreviewsEnabled(scope: TenantScope): Promise<boolean> {
  return (await cachedReferenceValue(scope, PRIVATE_PREVIEWS_KEY)) === '1';
}
