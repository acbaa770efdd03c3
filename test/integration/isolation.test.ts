import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';

/** Tenant A's token with tenant B's ids: every operation returns nothing, NOT_FOUND or FORBIDDEN, and B is unchanged. */
describe('another tenant cannot…', () => {
  let k: TestKabar;
  let a: TestTenant;
  let b: TestTenant;
  const ids = { staff: '', rule: '', purchase: '' };

  beforeAll(async () => {
    k = await startKabar();
    a = await k.newTenant();
    b = await k.newTenant();
    ids.staff = (await k.gql(b.admin, 'mutation { upsertStaffMember(input: { name: "B nurse", email: "nurse@b.example", departments: ["lab"] }) { id } }')).data.upsertStaffMember.id;
    ids.rule = (await k.gql(b.admin, `mutation { upsertRoutingRule(input: { name: "B lab", eventPattern: "lab.*", departments: ["lab"], staffIds: ["${ids.staff}"], channels: [EMAIL] }) { id } }`)).data.upsertRoutingRule.id;
    ids.purchase = (await k.gql(b.admin, 'mutation { requestCreditPurchase(amount: "5000") { id } }')).data.requestCreditPurchase.id;
    await k.gql(b.admin, 'mutation { upsertWhatsAppConfig(input: { senderNumber: "+6281234567890", token: "b-token-0123456789", country: "ID", currency: "IDR", isActive: true }) { tokenSet } }');
    await k.gql(b.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { key } }');
    await k.gql(b.admin, 'mutation { upsertTemplate(input: { eventType: "report.ready", channel: SMS, language: EN, body: "B only {{patient.name}}" }) { id } }');
  });
  afterAll(async () => k.stop());

  it('read its configuration', async () => {
    const res = await k.gql(a.admin, `query {
      tenant { id } whatsAppConfig { senderNumber } referenceData(key: "WhatsApp_Notification") { value }
      staffMembers { id } routingRules { id } creditPurchases { id } creditBalance { balance }
      creditTransactions { edges { cursor } } templates(eventType: "report.ready", channel: SMS, language: EN) { body isDefault }
      deliveries { totalCount } auditLog { edges { node { tenantId } } }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toMatchObject({ tenant: { id: a.id }, whatsAppConfig: null, referenceData: null, staffMembers: [], routingRules: [], creditPurchases: [], creditBalance: { balance: '0' }, creditTransactions: { edges: [] }, deliveries: { totalCount: 0 } });
    expect(res.data.templates[0].isDefault).toBe(true);
    expect(res.data.auditLog.edges.every((e: any) => e.node.tenantId === a.id)).toBe(true);
  });

  it('change its staff, rules or purchases by id', async () => {
    expect(codeOf(await k.gql(a.admin, `mutation { upsertStaffMember(input: { id: "${ids.staff}", name: "hijacked", departments: [] }) { id } }`))).toBe('NOT_FOUND');
    expect(codeOf(await k.gql(a.admin, `mutation { upsertRoutingRule(input: { id: "${ids.rule}", name: "hijacked", eventPattern: "*", departments: ["x"], channels: [SMS] }) { id } }`))).toBe('NOT_FOUND');
    expect(codeOf(await k.gql(a.admin, `mutation { deleteRoutingRule(id: "${ids.rule}") }`))).toBe('NOT_FOUND');
    expect(codeOf(await k.gql(a.admin, `mutation { cancelCreditPurchase(id: "${ids.purchase}") { id } }`))).toBe('NOT_FOUND');
    expect(codeOf(await k.gql(a.admin, `mutation { confirmCreditPurchase(id: "${ids.purchase}") { id } }`))).toBe('FORBIDDEN');
    expect(codeOf(await k.gql(a.admin, `query { creditPurchases(tenantId: "${b.id}") { id } }`))).toBe('FORBIDDEN');
    expect(codeOf(await k.gql(a.admin, `query { auditLog(tenantId: "${b.id}") { edges { cursor } } }`))).toBe('FORBIDDEN');

    const still = await k.gql(b.admin, 'query { staffMembers { name } routingRules { name } creditPurchases { status } }');
    expect(still.data).toEqual({ staffMembers: [{ name: 'B nurse' }], routingRules: [{ name: 'B lab' }], creditPurchases: [{ status: 'PENDING' }] });
  });
});
