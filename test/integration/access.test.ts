import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenant.js';
import { deliveries, deliveryStatusHistory } from '../../src/schema/index.js';
import { codeOf, JWT, platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';

type Role = 'PLATFORM_ADMIN' | 'TENANT_ADMIN' | 'SUPPORT' | 'STAFF' | 'SERVICE';
const ALL: Role[] = ['PLATFORM_ADMIN', 'TENANT_ADMIN', 'SUPPORT', 'STAFF', 'SERVICE'];

/** Every operation of the contract, with the roles the contract allows (null = any authenticated role). */
const OPERATIONS: { name: string; doc: string; vars?: (ids: Ids) => Record<string, unknown>; roles: Role[] | null }[] = [
  { name: 'tenant', doc: 'query { tenant { id } }', roles: null },
  { name: 'tenants', doc: 'query { tenants { id } }', roles: ['PLATFORM_ADMIN'] },
  { name: 'referenceData', doc: 'query { referenceData(key: "WhatsApp_Notification") { value } }', roles: null },
  { name: 'whatsAppConfig', doc: 'query { whatsAppConfig { tokenSet } }', roles: null },
  { name: 'whatsAppPrices', doc: 'query { whatsAppPrices { id } }', roles: null },
  { name: 'effectiveWhatsAppPrice', doc: 'query { effectiveWhatsAppPrice(country: "ID", currency: "IDR", category: UTILITY) { id } }', roles: null },
  { name: 'creditBalance', doc: 'query { creditBalance { balance } }', roles: null },
  { name: 'creditTransactions', doc: 'query { creditTransactions(first: 5) { edges { cursor } } }', roles: null },
  { name: 'creditPurchases', doc: 'query { creditPurchases { id } }', roles: null },
  { name: 'staffMembers', doc: 'query { staffMembers { id } }', roles: null },
  { name: 'routingRules', doc: 'query { routingRules { id } }', roles: null },
  { name: 'eventChannels', doc: 'query { eventChannels { eventType } }', roles: null },
  { name: 'templates', doc: 'query { templates(eventType: "appointment.confirmed", language: EN) { id } }', roles: null },
  { name: 'deliveries', doc: 'query { deliveries(first: 5) { totalCount } }', roles: null },
  { name: 'delivery', doc: 'query($id: ID!) { delivery(id: $id) { id } }', vars: (i) => ({ id: i.delivery }), roles: null },
  { name: 'auditLog', doc: 'query { auditLog(first: 5) { edges { cursor } } }', roles: ['TENANT_ADMIN', 'SUPPORT', 'PLATFORM_ADMIN'] },
  { name: 'eventTypes', doc: 'query { eventTypes }', roles: null },
  { name: 'eventSchema', doc: 'query { eventSchema(type: "appointment.confirmed") }', roles: null },
  { name: 'createTenant', doc: 'mutation { createTenant(input: { name: "T", country: "ID", currency: "IDR", defaultLanguage: ID, timezone: "Asia/Jakarta" }) { id } }', roles: ['PLATFORM_ADMIN'] },
  { name: 'setReferenceData', doc: 'mutation { setReferenceData(key: "Motto", value: "sehat") { key } }', roles: ['TENANT_ADMIN'] },
  { name: 'upsertWhatsAppConfig', doc: 'mutation { upsertWhatsAppConfig(input: { senderNumber: "+6281234567890", token: "tok-0123456789", country: "ID", currency: "IDR", isActive: false }) { tokenSet } }', roles: ['TENANT_ADMIN'] },
  { name: 'setWhatsAppPrice', doc: `mutation { setWhatsAppPrice(input: { country: "SG", currency: "SGD", category: UTILITY, pricePerMessage: "0.01", effectiveFrom: "${new Date().toISOString()}" }) { id } }`, roles: ['PLATFORM_ADMIN'] },
  { name: 'requestCreditPurchase', doc: 'mutation { requestCreditPurchase(amount: "1000") { id } }', roles: ['TENANT_ADMIN'] },
  { name: 'confirmCreditPurchase', doc: 'mutation($id: ID!) { confirmCreditPurchase(id: $id) { id } }', vars: (i) => ({ id: i.purchase() }), roles: ['PLATFORM_ADMIN'] },
  { name: 'failCreditPurchase', doc: 'mutation($id: ID!) { failCreditPurchase(id: $id, reason: "declined") { id } }', vars: (i) => ({ id: i.purchase() }), roles: ['PLATFORM_ADMIN'] },
  { name: 'cancelCreditPurchase', doc: 'mutation($id: ID!) { cancelCreditPurchase(id: $id) { id } }', vars: (i) => ({ id: i.purchase() }), roles: ['TENANT_ADMIN', 'PLATFORM_ADMIN'] },
  { name: 'upsertStaffMember', doc: 'mutation { upsertStaffMember(input: { name: "N", departments: ["lab"] }) { id } }', roles: ['TENANT_ADMIN'] },
  { name: 'upsertRoutingRule', doc: 'mutation { upsertRoutingRule(input: { name: "R", eventPattern: "lab.*", departments: ["lab"], channels: [EMAIL] }) { id } }', roles: ['TENANT_ADMIN'] },
  { name: 'deleteRoutingRule', doc: 'mutation($id: ID!) { deleteRoutingRule(id: $id) }', vars: (i) => ({ id: i.rule() }), roles: ['TENANT_ADMIN'] },
  { name: 'setEventChannels', doc: 'mutation { setEventChannels(eventType: "report.ready", channels: [EMAIL]) { eventType } }', roles: ['TENANT_ADMIN'] },
  { name: 'upsertTemplate', doc: 'mutation { upsertTemplate(input: { eventType: "report.ready", channel: SMS, language: EN, body: "Report for {{patient.name}} is ready." }) { id } }', roles: ['TENANT_ADMIN'] },
  { name: 'publishEvent', doc: 'mutation($id: String!) { publishEvent(input: { id: $id, type: "report.ready", occurredAt: "2026-11-23T09:00:00+07:00", data: { patient: { id: "p1", name: "Siti" }, report: { id: "r1", name: "Blood panel" }, centre: { id: "c1", name: "Klinik" } } }) { accepted } }', vars: () => ({ id: randomUUID() }), roles: ['SERVICE', 'TENANT_ADMIN'] },
  { name: 'retryDelivery', doc: 'mutation($id: ID!) { retryDelivery(id: $id) { id status } }', vars: (i) => ({ id: i.failedDelivery() }), roles: ['TENANT_ADMIN'] },
];

interface Ids {
  delivery: string;
  purchase: () => string;
  rule: () => string;
  failedDelivery: () => string;
}

describe('authentication and roles', () => {
  let k: TestKabar;
  let t: TestTenant;
  let tokens: Record<Role, string>;
  const pools = { purchase: [] as string[], rule: [] as string[], failed: [] as string[] };
  let ids: Ids;

  async function insertDelivery(tenantId: string, status: 'FAILED' | 'SENT') {
    return withTenant({ db: k.app.db, actor: 'test', tenantId }, async (s) => {
      const [d] = await s.tx.insert(deliveries).values({ tenantId, eventId: randomUUID(), eventType: 'report.ready', channel: 'SMS', recipient: '+6281234567890', recipientKind: 'patient', language: 'EN', status, reason: status === 'FAILED' ? 'provider rejected' : null, renderedBody: 'Your report is ready.' }).returning();
      await s.tx.insert(deliveryStatusHistory).values({ tenantId, deliveryId: d!.id, status });
      return d!.id;
    });
  }

  beforeAll(async () => {
    k = await startKabar();
    t = await k.newTenant();
    tokens = { PLATFORM_ADMIN: await platformToken(), TENANT_ADMIN: t.admin, SUPPORT: t.support, STAFF: t.staff, SERVICE: t.service };
    // Enough fresh targets that each allowed role can act on its own one.
    for (let i = 0; i < 16; i++) pools.purchase.push((await k.gql(t.admin, 'mutation { requestCreditPurchase(amount: "100") { id } }')).data.requestCreditPurchase.id);
    for (let i = 0; i < 6; i++) {
      pools.rule.push((await k.gql(t.admin, 'mutation { upsertRoutingRule(input: { name: "R", eventPattern: "lab.*", departments: ["lab"], channels: [EMAIL] }) { id } }')).data.upsertRoutingRule.id);
      pools.failed.push(await insertDelivery(t.id, 'FAILED'));
    }
    ids = { delivery: await insertDelivery(t.id, 'SENT'), purchase: () => pools.purchase.pop()!, rule: () => pools.rule.pop()!, failedDelivery: () => pools.failed.pop()! };
  });
  afterAll(async () => k.stop());

  it('every operation answers UNAUTHENTICATED without a token', async () => {
    for (const op of OPERATIONS) {
      const res = await k.gql(null, op.doc, op.vars?.({ delivery: randomUUID(), purchase: randomUUID, rule: randomUUID, failedDelivery: randomUUID }));
      expect(codeOf(res), op.name).toBe('UNAUTHENTICATED');
      expect(res.data?.[op.name] ?? null, op.name).toBeNull();
    }
  });

  it('each role gets exactly what the contract marks', async () => {
    for (const op of OPERATIONS) {
      for (const role of ALL) {
        // A platform admin's token carries no tenant: tenant-scoped reads answer FORBIDDEN for it.
        const res = await k.gql(tokens[role], op.doc, op.vars?.(ids));
        const allowed = op.roles === null ? role !== 'PLATFORM_ADMIN' || ['whatsAppPrices', 'effectiveWhatsAppPrice', 'eventTypes', 'eventSchema', 'auditLog', 'creditPurchases'].includes(op.name) : op.roles.includes(role);
        if (allowed) expect(res.errors, `${op.name} as ${role}: ${JSON.stringify(res.errors)}`).toBeUndefined();
        else expect(codeOf(res), `${op.name} as ${role}`).toBe('FORBIDDEN');
      }
    }
  });

  it('rejects invalid tokens as UNAUTHENTICATED', async () => {
    const key = new TextEncoder().encode(JWT.secret);
    const base = () => new SignJWT({ roles: ['TENANT_ADMIN'], tenant_id: t.id }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuedAt();
    const bad = {
      expired: await base().setIssuer(JWT.issuer).setAudience(JWT.audience).setExpirationTime(Math.floor(Date.now() / 1000) - 600).sign(key),
      notYetValid: await base().setIssuer(JWT.issuer).setAudience(JWT.audience).setNotBefore(Math.floor(Date.now() / 1000) + 600).sign(key),
      wrongIssuer: await base().setIssuer('evil').setAudience(JWT.audience).sign(key),
      wrongAudience: await base().setIssuer(JWT.issuer).setAudience('other').sign(key),
      wrongKey: await base().setIssuer(JWT.issuer).setAudience(JWT.audience).sign(new TextEncoder().encode('another-secret-another-secret-123')),
      unknownRole: await new SignJWT({ roles: ['GOD'], tenant_id: t.id }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(JWT.issuer).setAudience(JWT.audience).sign(key),
      noRoles: await new SignJWT({ tenant_id: t.id }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(JWT.issuer).setAudience(JWT.audience).sign(key),
      algNone: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', roles: ['TENANT_ADMIN'], tenant_id: t.id, iss: JWT.issuer, aud: JWT.audience })).toString('base64url')}.`,
      garbage: 'not-a-jwt',
    };
    for (const [name, token] of Object.entries(bad)) {
      const res = await k.gql(token, 'query { tenant { id } }');
      expect(codeOf(res), name).toBe('UNAUTHENTICATED');
    }
    const tampered = t.admin.split('.');
    tampered[1] = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(tampered[1]!, 'base64url').toString()), roles: ['PLATFORM_ADMIN'] })).toString('base64url');
    expect(codeOf(await k.gql(tampered.join('.'), 'query { tenants { id } }'))).toBe('UNAUTHENTICATED');
  });

  it('an id that cannot exist is simply not found', async () => {
    const res = await k.gql(t.admin, 'query { delivery(id: "not-a-uuid") { id } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.delivery).toBeNull();
    expect(codeOf(await k.gql(t.admin, 'mutation { deleteRoutingRule(id: "1; drop table x") }'))).toBe('NOT_FOUND');
  });
});
