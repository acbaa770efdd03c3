import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';
const ROWS =
  'query($e: String) { deliveries(filter: { eventId: $e }) { edges { node { channel recipient recipientKind status reason cost } } } }';

/** Skips are data: the two reasons no other file reaches, each a delivery row with its reason. */
describe('skips', () => {
  let k: TestKabar;

  beforeAll(async () => {
    k = await startKabar();
  });
  afterAll(async () => k.stop());

  async function rowsOf(t: TestTenant, type: string) {
    const input = sampleEvent(type);
    expect((await k.gql(t.service, PUBLISH, { input })).errors).toBeUndefined();
    return eventually(async () => {
      const rows = (await k.gql(t.admin, ROWS, { e: input.id })).data.deliveries.edges.map((e: any) => e.node);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.filter((r: any) => r.status === 'QUEUED')).toEqual([]);
      return rows;
    });
  }

  it("NO_PRICE: WhatsApp with no price for the number's country is skipped, not charged; email still goes", async () => {
    const t = await k.newTenant({ country: 'NZ', currency: 'NZD' });
    const ok = async (token: string, doc: string) => expect((await k.gql(token, doc)).errors).toBeUndefined();
    await ok(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { key } }');
    // Nobody sets a New Zealand price: the platform has none in force for NZ/NZD.
    await ok(
      t.admin,
      'mutation { upsertWhatsAppConfig(input: { senderNumber: "+6421000000", token: "d360-key-0123456789", country: "NZ", currency: "NZD", isActive: true }) { tokenSet } }',
    );
    const req = await k.gql(t.admin, 'mutation { requestCreditPurchase(amount: "1000") { id } }');
    await ok(
      await platformToken(),
      `mutation { confirmCreditPurchase(id: "${req.data.requestCreditPurchase.id}") { status } }`,
    );
    const rows = await rowsOf(t, 'appointment.confirmed');
    expect(rows.map((r: any) => `${r.channel}:${r.status}:${r.reason}:${r.cost}`).sort()).toEqual([
      'EMAIL:SENT:null:null',
      'WHATSAPP:SKIPPED:NO_PRICE:null',
    ]);
    expect((await k.gql(t.admin, 'query { creditBalance { balance } }')).data.creditBalance.balance).toBe('1000');
  });

  it('NO_RECIPIENT: a staff event nobody is chosen for is one SKIPPED row, not silence', async () => {
    const t = await k.newTenant();
    // A lab member exists, but bills go to billing: nobody works there.
    await k.gql(
      t.admin,
      'mutation { upsertStaffMember(input: { name: "Wati", email: "wati@rs.example", departments: ["lab"] }) { id } }',
    );
    const rows = await rowsOf(t, 'billing.bill_generated');
    expect(rows).toEqual([
      {
        channel: 'EMAIL',
        recipient: 'nobody',
        recipientKind: 'staff',
        status: 'SKIPPED',
        reason: 'NO_RECIPIENT',
        cost: null,
      },
    ]);
  });
});
