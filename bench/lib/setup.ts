import { signToken } from '../../src/auth/jwt.js';
import { pool } from './util.js';

// Tenants made the way a platform operator makes them: through Kabar's GraphQL API.
// Every tenant has WhatsApp switched on, configured and paid for, and staff in the
// departments that staff events go to by default.

export const JWT = { issuer: 'kabar', audience: 'kabar-api' };

export interface BenchTenant {
  idx: number;
  id: string;
  admin: string;
  staff: string;
}

export async function gql<T = any>(
  url: string,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL error: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body.data;
}

const STAFF: [string, string][] = [
  ['Rina', 'billing'],
  ['Fajar', 'finance'],
  ['Wati', 'lab'],
  ['Admin', 'admin'],
  ['Agus', 'accounts'],
];

export async function createTenants(
  url: string,
  secret: string,
  count: number,
  credit: string,
): Promise<BenchTenant[]> {
  const jwt = { ...JWT, secret };
  const platform = await signToken(jwt, { sub: 'bench-platform', roles: ['PLATFORM_ADMIN'] });
  const effectiveFrom = new Date(Date.now() - 86_400_000).toISOString();
  for (const category of ['UTILITY', 'MARKETING', 'AUTHENTICATION', 'SERVICE']) {
    await gql(
      url,
      platform,
      `mutation($from: DateTime!) { setWhatsAppPrice(input: { country: "ID", currency: "IDR", category: ${category}, pricePerMessage: "350.50", effectiveFrom: $from }) { id } }`,
      { from: effectiveFrom },
    );
  }
  const tenants: BenchTenant[] = new Array(count);
  await pool(
    Array.from({ length: count }, (_, i) => i),
    6,
    async (i) => {
      const input = {
        name: `RS Bench ${i}`,
        country: 'ID',
        currency: 'IDR',
        defaultLanguage: 'ID',
        timezone: 'Asia/Jakarta',
      };
      const { createTenant } = await gql(
        url,
        platform,
        'mutation($input: CreateTenantInput!) { createTenant(input: $input) { id } }',
        { input },
      );
      const id = createTenant.id as string;
      const admin = await signToken(jwt, { sub: `admin-${i}`, tenantId: id, roles: ['TENANT_ADMIN'] });
      const staff = await signToken(jwt, { sub: `staff-${i}`, tenantId: id, roles: ['STAFF'] });
      await gql(url, admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { key } }');
      await gql(
        url,
        admin,
        `mutation { upsertWhatsAppConfig(input: { senderNumber: "+6281100000${String(i).padStart(3, '0')}", token: "d360-bench-key-${i}", country: "ID", currency: "IDR", isActive: true }) { tokenSet } }`,
      );
      const req = await gql(url, admin, `mutation { requestCreditPurchase(amount: "${credit}") { id } }`);
      await gql(url, platform, 'mutation($id: ID!) { confirmCreditPurchase(id: $id) { status } }', {
        id: req.requestCreditPurchase.id,
      });
      for (const [name, dept] of STAFF) {
        await gql(
          url,
          admin,
          `mutation { upsertStaffMember(input: { name: "${name}", email: "${name.toLowerCase()}.${i}@rs.example", phone: "+62813${String(i).padStart(3, '0')}${String(STAFF.findIndex((s) => s[1] === dept)).padStart(4, '0')}", departments: ["${dept}"], language: EN }) { id } }`,
        );
      }
      tenants[i] = { idx: i, id, admin, staff };
    },
  );
  return tenants;
}
