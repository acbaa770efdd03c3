import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleData, sampleEvent } from '../helpers/events.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';
const STAFF = 'mutation($input: StaffMemberInput!) { upsertStaffMember(input: $input) { id } }';
const RULE = 'mutation($input: RoutingRuleInput!) { upsertRoutingRule(input: $input) { id } }';

/**
 * Who a staff event reaches: the centre filter (of staff and of rules), inactive staff and
 * inactive rules ignored, and what a rule's priority does. Every expected recipient is written
 * out by hand from the staff list below.
 */
describe('routing of staff events', () => {
  let k: TestKabar;

  beforeAll(async () => {
    k = await startKabar();
  });
  afterAll(async () => k.stop());

  async function ok(t: TestTenant, doc: string, input: Record<string, unknown>): Promise<string> {
    const res = await k.gql(t.admin, doc, { input });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return Object.values(res.data as Record<string, { id: string }>)[0]!.id;
  }
  /** A tenant's billing and finance staff, in two centres (c-1, c-2) and everywhere. */
  async function tenant() {
    const t = await k.newTenant();
    const staff = async (
      name: string,
      departments: string[],
      centreIds: string[],
      extra: Record<string, unknown> = {},
    ) =>
      ok(t, STAFF, {
        name,
        email: `${name.toLowerCase()}@rs.example`,
        departments,
        centreIds,
        language: 'EN',
        ...extra,
      });
    const ids = {
      ana: await staff('Ana', ['billing'], ['c-1']),
      budi: await staff('Budi', ['billing'], ['c-2']),
      citra: await staff('Citra', ['billing'], []),
      dodi: await staff('Dodi', ['billing'], [], { active: false }),
      eka: await staff('Eka', ['finance'], []),
      fitri: await staff('Fitri', ['finance'], ['c-2'], { phone: '+6281300000006' }),
    };
    return { t, ids };
  }
  /** The event's deliveries as "channel:recipient", once every one has left QUEUED. */
  async function recipients(t: TestTenant, type: string, centreId: string): Promise<string[]> {
    const data = sampleData(type);
    (data.centre as any).id = centreId;
    const input = { ...sampleEvent(type), data };
    expect((await k.gql(t.service, PUBLISH, { input })).errors).toBeUndefined();
    return eventually(async () => {
      const res = await k.gql(
        t.admin,
        'query($e: String) { deliveries(filter: { eventId: $e }) { edges { node { channel recipient status } } } }',
        { e: input.id },
      );
      const rows = res.data.deliveries.edges.map((e: any) => e.node);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.filter((r: any) => r.status === 'QUEUED')).toEqual([]);
      return rows.map((r: any) => `${r.channel}:${r.recipient}`).sort();
    });
  }

  it("the default department reaches the active staff of the event's centre and those of every centre", async () => {
    const { t } = await tenant();
    // Ana works at c-1, Citra everywhere; Budi is at c-2; Dodi is inactive.
    expect(await recipients(t, 'billing.bill_generated', 'c-1')).toEqual([
      'EMAIL:ana@rs.example',
      'EMAIL:citra@rs.example',
    ]);
    expect(await recipients(t, 'billing.bill_generated', 'c-2')).toEqual([
      'EMAIL:budi@rs.example',
      'EMAIL:citra@rs.example',
    ]);
  });

  it("a rule with a centre applies to that centre's events only; an inactive rule is ignored", async () => {
    const { t, ids } = await tenant();
    await ok(t, RULE, {
      name: 'c-2 bills to finance',
      eventPattern: 'billing.bill_generated',
      centreId: 'c-2',
      departments: ['finance'],
      channels: ['EMAIL', 'SMS'],
    });
    await ok(t, RULE, {
      name: 'Paused: bills to Dodi and Ana',
      eventPattern: 'billing.*',
      staffIds: [ids.ana, ids.dodi],
      channels: ['SMS'],
      active: false,
    });
    // c-1: no active rule matches, so the default department (billing) as above.
    expect(await recipients(t, 'billing.bill_generated', 'c-1')).toEqual([
      'EMAIL:ana@rs.example',
      'EMAIL:citra@rs.example',
    ]);
    // c-2: the centre's rule replaces the default: finance (Eka everywhere, Fitri at c-2), email and SMS.
    expect(await recipients(t, 'billing.bill_generated', 'c-2')).toEqual([
      'EMAIL:eka@rs.example',
      'EMAIL:fitri@rs.example',
      'SMS:+6281300000006',
      `SMS:staff:${ids.eka}`,
    ]);
  });

  it('inactive staff are not chosen even when a rule names them', async () => {
    const { t, ids } = await tenant();
    await ok(t, RULE, {
      name: 'Deposits to Dodi and Eka',
      eventPattern: 'billing.deposit_received',
      staffIds: [ids.dodi, ids.eka],
      channels: ['EMAIL'],
    });
    expect(await recipients(t, 'billing.deposit_received', 'c-1')).toEqual(['EMAIL:eka@rs.example']);
  });

  it('every matching rule applies whatever its priority; a person chosen twice gets each channel once', async () => {
    const { t, ids } = await tenant();
    const high = await ok(t, RULE, {
      name: 'Refunds to Eka by email',
      eventPattern: 'billing.refund_processed',
      staffIds: [ids.eka],
      channels: ['EMAIL'],
      priority: 10,
    });
    await ok(t, RULE, {
      name: 'Billing to Citra by email and push',
      eventPattern: 'billing.*',
      staffIds: [ids.citra, ids.eka],
      channels: ['EMAIL', 'PUSH'],
      priority: 1,
    });
    // Sorted like recipients() sorts: the staff ids (random UUIDs) decide the PUSH rows' order.
    const expected = [
      'EMAIL:citra@rs.example',
      'EMAIL:eka@rs.example',
      `PUSH:staff:${ids.citra}`,
      `PUSH:staff:${ids.eka}`,
    ].sort();
    expect(await recipients(t, 'billing.refund_processed', 'c-1')).toEqual(expected);
    // Reversing the priorities changes the order the rules are read in, not who hears.
    await ok(t, RULE, {
      id: high,
      name: 'Refunds to Eka by email',
      eventPattern: 'billing.refund_processed',
      staffIds: [ids.eka],
      channels: ['EMAIL'],
      priority: -10,
    });
    expect(await recipients(t, 'billing.refund_processed', 'c-1')).toEqual(expected);
  });
});
