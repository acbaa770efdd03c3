import { Decimal } from 'decimal.js';
import { expect } from 'vitest';
import { sendWhatsAppWebhook } from '../fakes/whatsapp.js';
import type { Providers } from './providers.js';
import { codeOf, eventually, platformToken, type TestKabar, type TestTenant } from './app.js';

// WhatsApp as Meta runs it (template verdicts, per-message pricing): tenants in the Philippines,
// whose prices differ by category. Other suites share the database and price Indonesia alike in
// every category; these prices are set identically by every file that uses them (a CONFLICT
// means another file set them first).

export const META_PRICES: Readonly<Record<string, string>> = {
  UTILITY: '100',
  MARKETING: '250',
  AUTHENTICATION: '80',
  SERVICE: '10',
};
export const WA_TOKEN = 'd360-key-meta-0123456789';
export const CREDIT = '10000';

export async function setMetaPrices(k: Pick<TestKabar, 'gql'>): Promise<void> {
  const platform = await platformToken();
  for (const [category, price] of Object.entries(META_PRICES)) {
    const res = await k.gql(
      platform,
      `mutation { setWhatsAppPrice(input: { country: "PH", currency: "PHP", category: ${category}, pricePerMessage: "${price}", effectiveFrom: "2026-01-01T00:00:00Z" }) { id } }`,
    );
    if (res.errors && codeOf(res) !== 'CONFLICT')
      throw new Error(`setWhatsAppPrice failed: ${JSON.stringify(res.errors)}`);
  }
}

export interface MetaTenant extends TestTenant {
  /** The tenant's WhatsApp webhook and the secret 360dialog sends back. */
  hook: string;
  secret: string;
}

/** A Philippine tenant with WhatsApp on, CREDIT bought, an administrator (by email), and its webhook registered. */
export async function metaTenant(k: TestKabar, p: Providers): Promise<MetaTenant> {
  const t = await k.newTenant({ country: 'PH', currency: 'PHP', timezone: 'Asia/Manila' });
  const ok = async (token: string, doc: string, vars?: Record<string, unknown>) => {
    const res = await k.gql(token, doc, vars);
    if (res.errors) throw new Error(`${doc.slice(0, 60)}…: ${JSON.stringify(res.errors)}`);
    return res.data as any;
  };
  await ok(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { key } }');
  p.whatsapp.issueKey(WA_TOKEN);
  await ok(
    t.admin,
    'mutation($tok: String) { upsertWhatsAppConfig(input: { senderNumber: "+639171234567", token: $tok, country: "PH", currency: "PHP", isActive: true }) { tokenSet } }',
    { tok: WA_TOKEN },
  );
  const req = await ok(t.admin, `mutation { requestCreditPurchase(amount: "${CREDIT}") { id } }`);
  await ok(await platformToken(), 'mutation($id: ID!) { confirmCreditPurchase(id: $id) { status } }', {
    id: req.requestCreditPurchase.id,
  });
  await ok(
    t.admin,
    'mutation { upsertStaffMember(input: { name: "Admin", email: "admin@rs.example", departments: ["admin"], language: EN }) { id } }',
  );
  const registration = await eventually(() => {
    const r = p.whatsapp.webhooks.find((w) => w.url.endsWith(`/webhooks/whatsapp/${t.id}`));
    expect(r).toBeDefined();
    return r!;
  });
  return { ...t, hook: registration.url, secret: registration.headers['X-Kabar-Webhook-Secret']! };
}

/** Posts a webhook body as 360dialog does (with the tenant's secret) and expects it taken. */
export async function postWebhook(t: MetaTenant, body: unknown): Promise<any> {
  const res = await sendWhatsAppWebhook(t.hook, t.secret, body);
  expect(res.status).toBe(200);
  return res.json();
}

/** The tenant's ledger (newest first) and balance, read through GraphQL; checks the balance equals the ledger's sum. */
export async function ledger(
  k: TestKabar,
  t: TestTenant,
): Promise<{
  balance: string;
  rows: { kind: string; amount: string; deliveryId: string | null; note: string | null }[];
}> {
  const res = await k.gql(
    t.admin,
    'query { creditBalance { balance } creditTransactions(first: 100) { edges { node { kind amount deliveryId note } } } }',
  );
  expect(res.errors).toBeUndefined();
  const rows = res.data.creditTransactions.edges.map((e: any) => e.node);
  const sum = rows.reduce((acc: Decimal, r: any) => acc.plus(r.amount), new Decimal(0));
  expect(sum.toFixed(), 'balance = ledger').toBe(new Decimal(res.data.creditBalance.balance).toFixed());
  return { balance: res.data.creditBalance.balance, rows };
}

const DELIVERIES = `query($e: String, $t: String) { deliveries(first: 50, filter: { eventId: $e, eventType: $t }) { edges { node {
  id eventType channel recipient status reason providerMessageId cost renderedBody } } } }`;

/** The event's (or event type's) deliveries once none is QUEUED any more. */
export async function settledDeliveries(
  k: TestKabar,
  t: TestTenant,
  filter: { e?: string; t?: string },
  expected?: number,
): Promise<any[]> {
  return eventually(async () => {
    const res = await k.gql(t.admin, DELIVERIES, filter);
    const rows = res.data.deliveries.edges.map((e: any) => e.node);
    if (expected !== undefined) expect(rows).toHaveLength(expected);
    else expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r: any) => r.status !== 'QUEUED')).toBe(true);
    return rows;
  });
}
