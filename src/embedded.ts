import { signToken, type Role } from './auth/jwt.js';
import type { App } from './app.js';
import { withPlatform, withTenant } from './db/tenant.js';
import { createTenant, listTenants } from './services/tenants.js';
import { setReferenceData, WHATSAPP_SWITCH } from './services/reference-data.js';

const DEMO_NAME = 'Klinik Sehat Demo';

/** The demo tenant of embedded mode: created once, found again on every restart. */
export async function ensureDemoTenant(app: App): Promise<string> {
  const ctx = { db: app.db, actor: 'system' };
  const existing = (await withPlatform(ctx, listTenants)).find((t) => t.name === DEMO_NAME);
  if (existing) return existing.id;
  const tenant = await withPlatform(ctx, (s) =>
    createTenant(s, { name: DEMO_NAME, country: 'ID', currency: 'IDR', defaultLanguage: 'ID', timezone: 'Asia/Jakarta' }),
  );
  await withTenant({ ...ctx, tenantId: tenant.id }, (s) => setReferenceData(s, WHATSAPP_SWITCH, '1'));
  return tenant.id;
}

/** One ready token per role, for the person trying Kabar out. */
export async function demoTokens(app: App, tenantId: string): Promise<Record<Role, string>> {
  const secret = app.jwtSecret;
  if (!secret) throw new Error('Demo tokens need KABAR_JWT_SECRET (or embedded mode)');
  const settings = { secret, issuer: app.config.KABAR_JWT_ISSUER, audience: app.config.KABAR_JWT_AUDIENCE };
  const roles: Role[] = ['PLATFORM_ADMIN', 'TENANT_ADMIN', 'SUPPORT', 'STAFF', 'SERVICE'];
  const entries = await Promise.all(roles.map(async (r) => [r, await signToken(settings, { sub: `demo-${r.toLowerCase().replace('_', '-')}`, tenantId, roles: [r] })] as const));
  return Object.fromEntries(entries) as Record<Role, string>;
}
