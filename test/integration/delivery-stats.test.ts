import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenant.js';
import { creditTransactions, deliveries, events } from '../../src/schema/index.js';
import { exportDeliveries } from '../../src/services/delivery-export.service.js';
import { platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';

// deliveryStats and the CSV export over deliveries written straight to the database: exact
// counts past one page, reason groups, the WhatsApp cost net of refunds from the ledger, the
// filter (window, search, reason group), keyset paging, and another tenant's rows never counted.

const STATS = `query($f: DeliveryFilter) { deliveryStats(filter: $f) { total whatsAppCost byStatus { key count } byChannel { key count } byReason { key count } } }`;
type Status = 'QUEUED' | 'SENT' | 'DELIVERED' | 'READ' | 'FAILED' | 'SKIPPED';
type Channel = 'WHATSAPP' | 'EMAIL' | 'SMS' | 'PUSH';
interface Seed {
  status: Status;
  channel: Channel;
  reason?: string;
  /** WhatsApp: debited this much, and refunded if `refunded`. */
  debit?: string;
  refunded?: boolean;
  createdAt?: Date;
  eventId?: string;
  patientId?: string;
}

const HOUR = 3_600_000;
const OLD = new Date(Date.now() - 10 * 24 * HOUR);

/** 130 deliveries for A (more than two pages of 50), of which we know every count. */
function seedsA(): Seed[] {
  const out: Seed[] = [];
  for (let i = 0; i < 59; i++) out.push({ status: 'SENT', channel: 'SMS' });
  for (let i = 0; i < 30; i++) out.push({ status: 'DELIVERED', channel: 'EMAIL' });
  for (let i = 0; i < 12; i++) out.push({ status: 'SKIPPED', channel: 'WHATSAPP', reason: 'OPTED_OUT' });
  for (let i = 0; i < 8; i++) out.push({ status: 'SKIPPED', channel: 'WHATSAPP', reason: 'INSUFFICIENT_CREDIT' });
  out.push(
    { status: 'FAILED', channel: 'SMS', reason: 'MISSING_VARIABLE: patient.name' },
    { status: 'FAILED', channel: 'EMAIL', reason: 'MISSING_VARIABLE: doctor.name, centre.name' },
  );
  out.push({ status: 'FAILED', channel: 'SMS', reason: 'attempt 3 failed (HTTP 500 from provider)' });
  // WhatsApp sent three times at 350.50, one of them refunded after it failed: net 701.
  out.push(
    { status: 'DELIVERED', channel: 'WHATSAPP', debit: '350.50' },
    { status: 'READ', channel: 'WHATSAPP', debit: '350.50' },
  );
  out.push({ status: 'FAILED', channel: 'WHATSAPP', debit: '350.50', refunded: true, reason: 'provider rejected' });
  // Ten days old: outside a 7-day window.
  for (let i = 0; i < 14; i++) out.push({ status: 'SENT', channel: 'PUSH', createdAt: OLD });
  out.push({ status: 'QUEUED', channel: 'SMS', eventId: 'evt-booked', patientId: 'pat-42' });
  return out;
}

describe('deliveryStats and the CSV export', () => {
  let k: TestKabar;
  let a: TestTenant;
  let b: TestTenant;
  let base: string;

  async function seed(tenantId: string, seeds: Seed[]) {
    await withTenant({ db: k.app.db, actor: 'test', tenantId }, async (s) => {
      await s.tx.insert(events).values({
        tenantId,
        id: 'evt-booked',
        type: 'appointment.confirmed',
        occurredAt: new Date(),
        data: { appointment: { bookingReference: 'BK-7781' } },
      });
      const rows = await s.tx
        .insert(deliveries)
        .values(
          seeds.map((d, i) => ({
            tenantId,
            eventId: d.eventId ?? `evt-${i}-${randomUUID().slice(0, 6)}`,
            eventType: 'report.ready',
            channel: d.channel,
            recipient: `+62812000${String(i).padStart(4, '0')}`,
            recipientKind: 'patient',
            patientId: d.patientId ?? null,
            language: 'EN' as const,
            status: d.status,
            reason: d.reason ?? null,
            renderedBody: 'x',
            ...(d.createdAt ? { createdAt: d.createdAt } : {}),
          })),
        )
        .returning({ id: deliveries.id });
      const ledger = seeds.flatMap((d, i) => [
        ...(d.debit
          ? [{ tenantId, kind: 'DEBIT' as const, amount: `-${d.debit}`, balanceAfter: '0', deliveryId: rows[i]!.id }]
          : []),
        ...(d.refunded
          ? [{ tenantId, kind: 'REFUND' as const, amount: d.debit!, balanceAfter: '0', deliveryId: rows[i]!.id }]
          : []),
      ]);
      if (ledger.length) await s.tx.insert(creditTransactions).values(ledger);
    });
  }

  const stats = async (token: string, f?: Record<string, unknown>) => {
    const res = await k.gql(token, STATS, { f });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data.deliveryStats;
  };
  const count = (list: { key: string; count: number }[], key: string) => list.find((x) => x.key === key)?.count ?? 0;
  const csv = (token: string | null, filter?: unknown) =>
    fetch(
      `${base}/deliveries.csv${filter === undefined ? '' : `?filter=${encodeURIComponent(typeof filter === 'string' ? filter : JSON.stringify(filter))}`}`,
      { headers: token ? { authorization: `Bearer ${token}` } : {} },
    );
  const lines = async (res: Response) => (await res.text()).split('\r\n').filter((l) => l !== '');

  beforeAll(async () => {
    k = await startKabar({ loops: false, roles: ['api'] });
    base = k.url.replace(/\/graphql$/, '');
    a = await k.newTenant({ timezone: 'Asia/Jakarta' });
    b = await k.newTenant({ timezone: 'Europe/Paris', currency: 'EUR', country: 'FR' });
    await seed(a.id, seedsA());
    // B: the same booked event id and patient, other statuses and costs; A must never count them.
    await seed(b.id, [
      { status: 'SKIPPED', channel: 'WHATSAPP', reason: 'OPTED_OUT' },
      { status: 'FAILED', channel: 'WHATSAPP', reason: 'NO_TEMPLATE: x', debit: '9' },
      { status: 'QUEUED', channel: 'SMS', eventId: 'evt-booked', patientId: 'pat-42' },
    ]);
  });
  afterAll(async () => k?.stop());

  it('counts every matching delivery in the database, past any page, with reason groups and the net WhatsApp cost', async () => {
    const s = await stats(a.support);
    expect(s.total).toBe(130);
    expect(s.byStatus).toEqual([
      { key: 'QUEUED', count: 1 },
      { key: 'SENT', count: 73 },
      { key: 'DELIVERED', count: 31 },
      { key: 'READ', count: 1 },
      { key: 'FAILED', count: 4 },
      { key: 'SKIPPED', count: 20 },
    ]);
    expect(s.byChannel).toEqual([
      { key: 'WHATSAPP', count: 23 },
      { key: 'EMAIL', count: 31 },
      { key: 'SMS', count: 62 },
      { key: 'PUSH', count: 14 },
    ]);
    expect(s.byReason).toEqual([
      { key: 'OPTED_OUT', count: 12 },
      { key: 'INSUFFICIENT_CREDIT', count: 8 },
      { key: 'MISSING_VARIABLE', count: 2 },
      { key: 'attempt 3 failed', count: 1 },
      { key: 'provider rejected', count: 1 },
    ]);
    expect(s.whatsAppCost).toBe('701');
    // The same as the deliveries query's total, for every role of the tenant.
    for (const token of [a.admin, a.staff, a.service]) expect((await stats(token)).total).toBe(130);
  });

  it('applies the filter: a window, a channel, a reason group and a search', async () => {
    const week = await stats(a.admin, { since: new Date(Date.now() - 7 * 24 * HOUR).toISOString() });
    expect(week.total).toBe(116);
    expect(count(week.byChannel, 'PUSH')).toBe(0);
    const wa = await stats(a.admin, { channel: 'WHATSAPP', status: 'FAILED' });
    expect({ total: wa.total, cost: wa.whatsAppCost }).toEqual({ total: 1, cost: '0' });
    // A byReason key is a filter value: the group matches the reasons it counted.
    const missing = await stats(a.admin, { reason: 'MISSING_VARIABLE' });
    expect(missing.total).toBe(2);
    expect((await stats(a.admin, { reason: 'MISSING_VARIABLE: patient.name' })).total).toBe(1);
    expect((await stats(a.admin, { reason: 'MISSING' })).total).toBe(0);
    for (const search of ['BK-7781', 'pat-42', 'evt-booked'])
      expect((await stats(a.admin, { search })).total, search).toBe(1);
    expect((await stats(a.admin, { search: '62812000012' })).total).toBe(10); // +628120000120 to …0129
  });

  it('serves the booking reference on each delivery, batched', async () => {
    const res = await k.gql(
      a.admin,
      'query { deliveries(first: 100) { edges { node { eventId patientId bookingReference } } } }',
    );
    expect(res.errors).toBeUndefined();
    const nodes = res.data.deliveries.edges.map((e: any) => e.node);
    expect(nodes.filter((n: any) => n.bookingReference !== null)).toEqual([
      { eventId: 'evt-booked', patientId: 'pat-42', bookingReference: 'BK-7781' },
    ]);
    // One statement for the whole page, whatever its size (a dataloader, not a query per row).
    const statements = async (first: number) => {
      const before = k.app.db.stats.statements;
      expect(
        (
          await k.gql(a.admin, 'query($n: Int) { deliveries(first: $n) { edges { node { bookingReference } } } }', {
            n: first,
          })
        ).errors,
      ).toBeUndefined();
      return k.app.db.stats.statements - before;
    };
    expect(await statements(100)).toBe(await statements(5));
  });

  it("another tenant cannot count A's deliveries, nor B's be counted for A", async () => {
    const s = await stats(b.admin);
    expect({ total: s.total, cost: s.whatsAppCost, reasons: s.byReason }).toEqual({
      total: 3,
      cost: '9',
      reasons: [
        { key: 'NO_TEMPLATE', count: 1 },
        { key: 'OPTED_OUT', count: 1 },
      ],
    });
    expect((await stats(a.admin, { search: 'BK-7781' })).total).toBe(1);
    expect((await stats(a.admin, { reason: 'NO_TEMPLATE' })).total).toBe(0);
    const none = await k.gql(await platformToken(), STATS);
    expect(none.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await k.gql(null, STATS)).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('exports every matching delivery as CSV, times in the tenant zone, cost with currency', async () => {
    const res = await csv(a.support);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="deliveries-\d{4}-\d\d-\d\d\.csv"$/);
    const [head, ...rows] = await lines(res);
    expect(head).toBe(
      'time (Asia/Jakarta),event type,event id,patient id,booking reference,channel,recipient,status,reason,cost,currency',
    );
    expect(rows).toHaveLength(130);
    expect(rows.every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+07:00,/.test(r))).toBe(true);
    expect(rows[0]).toMatch(/,report\.ready,evt-booked,pat-42,BK-7781,SMS,\+62812000\d{4},QUEUED,,,$/);
    expect(rows.filter((r) => r.includes('"MISSING_VARIABLE: doctor.name, centre.name"'))).toHaveLength(1);
    // The cost column adds up to deliveryStats.whatsAppCost.
    const costs = rows
      .map((r) => r.split(','))
      .filter((c) => c.at(-1) === 'IDR')
      .map((c) => Number(c.at(-2)));
    expect(costs.sort()).toEqual([0, 350.5, 350.5]);

    const skipped = await lines(await csv(a.admin, { status: 'SKIPPED', channel: 'WHATSAPP' }));
    expect(skipped).toHaveLength(1 + 20);
    expect(
      await lines(
        await csv(a.admin, { since: new Date(Date.now() - 7 * 24 * HOUR).toISOString(), reason: 'OPTED_OUT' }),
      ),
    ).toHaveLength(1 + 12);
  });

  it("another tenant cannot export A's rows: B's token exports B's only, in B's zone", async () => {
    const [head, ...rows] = await lines(await csv(b.service, { search: 'evt-booked' }));
    expect(head).toMatch(/^time \(Europe\/Paris\),/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0[12]:00,report\.ready,evt-booked,pat-42,BK-7781,SMS,/,
    );
    const all = await lines(await csv(b.admin));
    expect(all).toHaveLength(1 + 3);
    expect(all.filter((r) => r.endsWith(',EUR'))).toEqual([expect.stringContaining(',NO_TEMPLATE: x,9,EUR')]);
  });

  it('answers JSON errors with stable codes: 401, 403, 400', async () => {
    const expectError = async (res: Response, status: number, code: string, field?: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as any;
      expect(body.error.code).toBe(code);
      if (field) expect(body.error.field).toBe(field);
    };
    await expectError(await csv(null), 401, 'UNAUTHENTICATED');
    await expectError(await csv('not-a-token'), 401, 'UNAUTHENTICATED');
    await expectError(await csv(await platformToken()), 403, 'FORBIDDEN');
    await expectError(await csv(a.admin, '{not json'), 400, 'BAD_USER_INPUT', 'filter');
    await expectError(await csv(a.admin, { status: 'LOST' }), 400, 'BAD_USER_INPUT', 'filter.status');
    await expectError(await csv(a.admin, { since: 'yesterday' }), 400, 'BAD_USER_INPUT', 'filter.since');
    await expectError(await csv(a.admin, { tenantId: b.id }), 400, 'BAD_USER_INPUT');
  });

  it('pages by keyset: every row once, newest first, one short transaction per page', async () => {
    const ctx = { db: k.app.db, actor: 'test', tenantId: a.id };
    const seen: number[] = [];
    let pages = 0;
    for await (const page of exportDeliveries(ctx, {}, 7)) {
      pages++;
      expect(page.length).toBeLessThanOrEqual(7);
      seen.push(...page.map((r) => r.seq));
    }
    expect(pages).toBe(Math.ceil(130 / 7));
    expect(new Set(seen).size).toBe(130);
    expect(seen).toEqual([...seen].sort((x, y) => y - x));
  });
});
