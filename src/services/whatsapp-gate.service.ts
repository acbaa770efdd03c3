import type { SecretBox } from '../crypto.js';
import type { TenantScope } from '../db/tenant.js';
import { priceAt, priceSchedule, type WhatsAppCategory } from './pricing.service.js';
import { whatsAppEnabled } from './reference-data.service.js';
import { whatsAppCredentials } from './whatsapp.service.js';
import { cachedConfig } from './config-cache.service.js';

export type WhatsAppGate =
  | { ok: true; price: (category: string) => Promise<string | null> }
  | { ok: false; reason: 'WHATSAPP_DISABLED' | 'WHATSAPP_NOT_CONFIGURED' };

/**
 * The business rules that decide whether a tenant may send WhatsApp at all right now:
 * the WhatsApp_Notification switch and an active configuration. Prices are per category.
 */
export async function whatsAppGate(scope: TenantScope, box: SecretBox, at: Date): Promise<WhatsAppGate> {
  if (!(await whatsAppEnabled(scope))) return { ok: false, reason: 'WHATSAPP_DISABLED' };
  const creds = await cachedConfig(scope, 'whatsapp:credentials', () => whatsAppCredentials(scope, box));
  if (!creds) return { ok: false, reason: 'WHATSAPP_NOT_CONFIGURED' };
  const prices = new Map<string, Promise<string | null>>();
  return {
    ok: true,
    price: (category) => {
      if (!prices.has(category)) {
        const load = () => priceSchedule(scope, creds.country, creds.currency, category as WhatsAppCategory, at);
        prices.set(
          category,
          cachedConfig(scope, `whatsapp:prices:${category}`, load).then((s) => priceAt(s, at)?.pricePerMessage ?? null),
        );
      }
      return prices.get(category)!;
    },
  };
}
