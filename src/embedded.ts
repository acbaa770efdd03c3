import { signToken, type Role } from './auth/jwt.js';
import type { App } from './app.js';
import type { Core } from './core.js';
import { withPlatform, withTenant } from './db/tenant.js';
import { createTenant, listTenants } from './services/tenants.service.js';
import { setReferenceData, WHATSAPP_SWITCH } from './services/reference-data.service.js';
import { requestPurchase, transitionPurchase } from './services/credit-purchases.service.js';
import { listWhatsAppPrices, setWhatsAppPrice } from './services/pricing.service.js';
import { upsertStaff } from './services/staff.service.js';
import { upsertWhatsAppConfig } from './services/whatsapp.service.js';

const DEMO_NAME = 'Klinik Sehat Demo';

/** The demo tenant of embedded mode: created once, found again on every restart. */
export async function ensureDemoTenant(app: Core): Promise<string> {
  const ctx = { db: app.db, actor: 'system' };
  const existing = (await withPlatform(ctx, listTenants)).find((t) => t.name === DEMO_NAME);
  if (existing) return existing.id;
  const tenant = await withPlatform(ctx, (s) =>
    createTenant(s, {
      name: DEMO_NAME,
      country: 'ID',
      currency: 'IDR',
      defaultLanguage: 'ID',
      timezone: 'Asia/Jakarta',
    }),
  );
  // Ready for a full demo: WhatsApp on and configured (sandbox key), priced, paid for, and staff to route to.
  await withPlatform(ctx, async (s) => {
    const prices = await listWhatsAppPrices(s, 'ID', 'IDR');
    if (prices.length === 0) {
      for (const [category, price] of [
        ['UTILITY', '356.65'],
        ['MARKETING', '586.33'],
        ['AUTHENTICATION', '356.65'],
        ['SERVICE', '0.01'],
      ] as const) {
        await setWhatsAppPrice(s, {
          country: 'ID',
          currency: 'IDR',
          category,
          pricePerMessage: price,
          effectiveFrom: new Date('2026-01-01T00:00:00Z'),
        });
      }
    }
  });
  const scope = { ...ctx, tenantId: tenant.id };
  const purchase = await withTenant(scope, async (s) => {
    await setReferenceData(s, WHATSAPP_SWITCH, '1');
    await upsertWhatsAppConfig(
      s,
      {
        senderNumber: '+6281100000000',
        token: 'sandbox-360dialog-key',
        country: 'ID',
        currency: 'IDR',
        isActive: true,
      },
      app.box,
    );
    await upsertStaff(s, { name: 'Admin Klinik', email: 'admin@klinik-sehat.example', departments: ['admin'] });
    await upsertStaff(s, {
      name: 'Rina (Kasir)',
      email: 'kasir@klinik-sehat.example',
      phone: '+6281311112222',
      departments: ['billing', 'finance', 'accounts'],
    });
    return requestPurchase(s, '100000');
  });
  await withTenant(scope, (s) =>
    transitionPurchase(s, purchase.id, { to: 'PAID', reference: 'DEMO' }, { bus: app.bus }),
  );
  return tenant.id;
}

/** One ready token per role, for the person trying Kabar out. */
export async function demoTokens(app: App, tenantId: string): Promise<Record<Role, string>> {
  const secret = app.jwtSecret;
  if (!secret) throw new Error('Demo tokens need KABAR_JWT_SECRET (or embedded mode)');
  const settings = { secret, issuer: app.config.KABAR_JWT_ISSUER, audience: app.config.KABAR_JWT_AUDIENCE };
  const roles: Role[] = ['PLATFORM_ADMIN', 'TENANT_ADMIN', 'SUPPORT', 'STAFF', 'SERVICE'];
  const entries = await Promise.all(
    roles.map(
      async (r) =>
        [
          r,
          await signToken(settings, { sub: `demo-${r.toLowerCase().replace('_', '-')}`, tenantId, roles: [r] }),
        ] as const,
    ),
  );
  return Object.fromEntries(entries) as Record<Role, string>;
}
