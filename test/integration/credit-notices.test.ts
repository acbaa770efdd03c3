import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enableWhatsApp,
  eventually,
  platformToken,
  setTestPrices,
  startKabar,
  type TestKabar,
  type TestTenant,
} from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';
const NOTICES =
  'query($type: String) { deliveries(first: 50, filter: { eventType: $type, channel: EMAIL }) { totalCount edges { node { eventId recipient status renderedBody } } } }';

/** Kabar's own notices to a tenant's administrators: every purchase status, and the credit alert's interval. */
describe('credit notices', () => {
  let k: TestKabar;
  let platform: string;
  // An offset clock: the alert interval (one hour) passes without waiting for it.
  let offset = 0;

  beforeAll(async () => {
    k = await startKabar({ now: () => new Date(Date.now() + offset) });
    platform = await platformToken();
    await setTestPrices(k);
  });
  afterAll(async () => k.stop());

  async function tenantWithAdmin(): Promise<TestTenant> {
    const t = await k.newTenant();
    const res = await k.gql(
      t.admin,
      'mutation { upsertStaffMember(input: { name: "Admin", email: "admin@rs.example", departments: ["admin"], language: EN }) { id } }',
    );
    expect(res.errors).toBeUndefined();
    return t;
  }
  const notices = async (t: TestTenant, type: string) => {
    const res = await k.gql(t.admin, NOTICES, { type });
    return res.data.deliveries.edges.map((e: any) => e.node) as {
      eventId: string;
      recipient: string;
      status: string;
      renderedBody: string;
    }[];
  };
  const pause = (ms = 500) => new Promise((r) => setTimeout(r, ms));

  it('a FAILED and a CANCELLED purchase each notify the administrators, once', async () => {
    const t = await tenantWithAdmin();
    const request = async (amount: string) =>
      (await k.gql(t.admin, `mutation { requestCreditPurchase(amount: "${amount}") { id } }`)).data
        .requestCreditPurchase.id as string;
    const failed = await request('125000');
    const cancelled = await request('75000');
    const f = await k.gql(
      platform,
      'mutation($id: ID!) { failCreditPurchase(id: $id, reason: "card declined") { status } }',
      { id: failed },
    );
    expect(f.data.failCreditPurchase.status).toBe('FAILED');
    const c = await k.gql(t.admin, 'mutation($id: ID!) { cancelCreditPurchase(id: $id) { status } }', {
      id: cancelled,
    });
    expect(c.data.cancelCreditPurchase.status).toBe('CANCELLED');
    const expected = [
      `credit.purchase_status:${cancelled}:CANCELLED`,
      `credit.purchase_status:${cancelled}:PENDING`,
      `credit.purchase_status:${failed}:FAILED`,
      `credit.purchase_status:${failed}:PENDING`,
    ].sort();
    await eventually(async () =>
      expect((await notices(t, 'credit.purchase_status')).map((n) => n.eventId).sort()).toEqual(expected),
    );
    await pause();
    const rows = await notices(t, 'credit.purchase_status');
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r).toMatchObject({ recipient: 'admin@rs.example', status: 'SENT' });
    expect(rows.find((r) => r.eventId.endsWith(':FAILED'))!.renderedBody).toMatch(/125[.,]000/);
    expect(rows.find((r) => r.eventId.endsWith(':CANCELLED'))!.renderedBody).toMatch(/75[.,]000/);
  });

  it('the insufficient-credit alert comes again once its interval (an hour) has passed, not before', async () => {
    const t = await tenantWithAdmin();
    await enableWhatsApp(k, t, { token: 'd360-key-0123456789', credit: '0' });
    const skipAt = async (minutes: number) => {
      offset = minutes * 60_000;
      const input = sampleEvent('appointment.no_show');
      expect((await k.gql(t.service, PUBLISH, { input })).errors).toBeUndefined();
      await eventually(async () => {
        const res = await k.gql(
          t.admin,
          'query($e: String) { deliveries(filter: { eventId: $e }) { edges { node { status reason } } } }',
          { e: input.id },
        );
        expect(res.data.deliveries.edges.map((e: any) => e.node)).toEqual([
          { status: 'SKIPPED', reason: 'INSUFFICIENT_CREDIT' },
        ]);
      });
    };
    const alerts = async () => (await notices(t, 'credit.insufficient')).length;
    try {
      await skipAt(0);
      await eventually(async () => expect(await alerts()).toBe(1));
      await skipAt(30);
      await skipAt(59);
      await pause();
      expect(await alerts()).toBe(1);
      await skipAt(61); // an hour after the first alert
      await eventually(async () => expect(await alerts()).toBe(2));
      await skipAt(62);
      await pause();
      expect(await alerts()).toBe(2);
      const rows = await notices(t, 'credit.insufficient');
      for (const r of rows) expect(r).toMatchObject({ recipient: 'admin@rs.example', status: 'SENT' });
    } finally {
      offset = 0;
    }
  });
});
