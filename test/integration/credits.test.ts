import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenant.js';
import { KabarError } from '../../src/domain-errors.js';
import { debitDeliveries, refundDelivery } from '../../src/services/credits.service.js';
import { codeOf, platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';

const BALANCE = 'query { creditBalance { currency balance } }';
const LEDGER =
  'query($after: String) { creditTransactions(first: 100, after: $after) { edges { node { kind amount balanceAfter deliveryId purchaseId } } pageInfo { hasNextPage endCursor } } }';
const REQUEST = 'mutation($a: Decimal!) { requestCreditPurchase(amount: $a) { id status amount currency } }';
const CONFIRM =
  'mutation($id: ID!, $ref: String) { confirmCreditPurchase(id: $id, reference: $ref) { id status reference } }';

describe('credits', () => {
  let k: TestKabar;
  let platform: string;
  beforeAll(async () => {
    k = await startKabar();
    platform = await platformToken();
  });
  afterAll(async () => k.stop());

  async function ledger(t: TestTenant) {
    const out: { kind: string; amount: string; balanceAfter: string; deliveryId: string | null }[] = [];
    let after: string | null = null;
    do {
      const res: any = await k.gql(t.admin, LEDGER, { after });
      out.push(...res.data.creditTransactions.edges.map((e: any) => e.node));
      after = res.data.creditTransactions.pageInfo.hasNextPage ? res.data.creditTransactions.pageInfo.endCursor : null;
    } while (after);
    return out;
  }

  async function balanceOf(t: TestTenant): Promise<string> {
    return (await k.gql(t.admin, BALANCE)).data.creditBalance.balance;
  }

  async function topUp(t: TestTenant, amount: string) {
    const req = await k.gql(t.admin, REQUEST, { a: amount });
    expect(req.errors).toBeUndefined();
    const conf = await k.gql(platform, CONFIRM, { id: req.data.requestCreditPurchase.id, ref: 'PAY-1' });
    expect(conf.data.confirmCreditPurchase.status).toBe('PAID');
  }

  const scope = (t: TestTenant) => ({ db: k.app.db, actor: 'system', tenantId: t.id });

  it('starts at zero in the tenant currency', async () => {
    const t = await k.newTenant({ currency: 'IDR' });
    expect((await k.gql(t.staff, BALANCE)).data.creditBalance).toEqual({ currency: 'IDR', balance: '0' });
  });

  it('a purchase is PENDING until a platform admin confirms it; PAID credits exactly once even when confirmed twice at once', async () => {
    const t = await k.newTenant();
    const req = await k.gql(t.admin, REQUEST, { a: '150000.50' });
    expect(req.data.requestCreditPurchase).toMatchObject({ status: 'PENDING', amount: '150000.5', currency: 'IDR' });
    expect(await balanceOf(t)).toBe('0');
    const id = req.data.requestCreditPurchase.id;
    const results = await Promise.all(Array.from({ length: 8 }, () => k.gql(platform, CONFIRM, { id, ref: 'TRX-9' })));
    for (const r of results) expect(r.data.confirmCreditPurchase.status).toBe('PAID');
    expect(await balanceOf(t)).toBe('150000.5');
    const rows = await ledger(t);
    expect(rows.filter((r) => r.kind === 'PURCHASE')).toHaveLength(1);
  });

  it('allows only PENDING -> PAID | FAILED | CANCELLED', async () => {
    const t = await k.newTenant();
    const paid = (await k.gql(t.admin, REQUEST, { a: '1000' })).data.requestCreditPurchase.id;
    await k.gql(platform, CONFIRM, { id: paid });
    const failPaid = await k.gql(
      platform,
      'mutation($id: ID!) { failCreditPurchase(id: $id, reason: "bank said no") { status } }',
      { id: paid },
    );
    expect(codeOf(failPaid)).toBe('INVALID_STATE_TRANSITION');
    const cancelPaid = await k.gql(t.admin, 'mutation($id: ID!) { cancelCreditPurchase(id: $id) { status } }', {
      id: paid,
    });
    expect(codeOf(cancelPaid)).toBe('INVALID_STATE_TRANSITION');

    const failed = (await k.gql(t.admin, REQUEST, { a: '2000' })).data.requestCreditPurchase.id;
    const f = await k.gql(
      platform,
      'mutation($id: ID!) { failCreditPurchase(id: $id, reason: "card declined") { status failureReason } }',
      { id: failed },
    );
    expect(f.data.failCreditPurchase).toEqual({ status: 'FAILED', failureReason: 'card declined' });
    expect(codeOf(await k.gql(platform, CONFIRM, { id: failed }))).toBe('INVALID_STATE_TRANSITION');

    const cancelled = (await k.gql(t.admin, REQUEST, { a: '3000' })).data.requestCreditPurchase.id;
    const c = await k.gql(t.admin, 'mutation($id: ID!) { cancelCreditPurchase(id: $id) { status } }', {
      id: cancelled,
    });
    expect(c.data.cancelCreditPurchase.status).toBe('CANCELLED');
    expect(codeOf(await k.gql(platform, CONFIRM, { id: cancelled }))).toBe('INVALID_STATE_TRANSITION');
    expect(await balanceOf(t)).toBe('1000');
  });

  it('rejects bad amounts with the field named', async () => {
    const t = await k.newTenant({ currency: 'JPY' });
    for (const a of ['0', '-5', '12.5', 'abc', '1e5']) {
      const res = await k.gql(t.admin, REQUEST, { a });
      expect(codeOf(res), a).toBe('BAD_USER_INPUT');
    }
    const res = await k.gql(t.admin, REQUEST, { a: '12.5' });
    expect(res.errors![0]!.extensions.field).toBe('amount');
  });

  it('concurrent debits never overdraw: exactly as many succeed as the balance pays for', async () => {
    const t = await k.newTenant();
    await topUp(t, '1000');
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () =>
        withTenant(scope(t), (s) => debitDeliveries(s, [{ deliveryId: randomUUID(), price: '100' }])),
      ),
    );
    expect(outcomes.filter((o) => o.charged.size === 1)).toHaveLength(10);
    expect(outcomes.filter((o) => o.charged.size === 0)).toHaveLength(20);
    expect(await balanceOf(t)).toBe('0');
    const rows = await ledger(t);
    const sum = rows.reduce((acc, r) => acc.plus(r.amount), new Decimal(0));
    expect(sum.toFixed()).toBe('0');
    expect(rows.every((r) => new Decimal(r.balanceAfter).gte(0))).toBe(true);
  });

  it('charges a delivery once however often it is debited, and refunds it once', async () => {
    const t = await k.newTenant();
    await topUp(t, '500');
    const delivery = randomUUID();
    const debits = await Promise.all(
      Array.from({ length: 5 }, () =>
        withTenant(scope(t), (s) => debitDeliveries(s, [{ deliveryId: delivery, price: '120.25' }])).catch((e) => e),
      ),
    );
    expect(debits.filter((d) => d.charged?.size === 1)).toHaveLength(1);
    // The others roll back whole: the database takes one debit per delivery.
    expect(debits.filter((d) => d instanceof KabarError && d.code === 'CONFLICT')).toHaveLength(4);
    expect(await balanceOf(t)).toBe('379.75');
    await Promise.all(
      Array.from({ length: 3 }, () => withTenant(scope(t), (s) => refundDelivery(s, delivery, 'rejected by provider'))),
    );
    expect(await balanceOf(t)).toBe('500');
    const rows = await ledger(t);
    expect(rows.filter((r) => r.kind === 'DEBIT')).toHaveLength(1);
    expect(rows.filter((r) => r.kind === 'REFUND')).toHaveLength(1);
    expect(await withTenant(scope(t), (s) => refundDelivery(s, randomUUID(), 'never charged'))).toBeNull();
  });

  it("another tenant cannot see or confirm a tenant's purchases, nor read its ledger", async () => {
    const a = await k.newTenant();
    const b = await k.newTenant();
    const id = (await k.gql(a.admin, REQUEST, { a: '100' })).data.requestCreditPurchase.id;
    expect((await k.gql(b.admin, 'query { creditPurchases { id } }')).data.creditPurchases).toEqual([]);
    expect(codeOf(await k.gql(b.admin, 'mutation($id: ID!) { cancelCreditPurchase(id: $id) { id } }', { id }))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await k.gql(b.admin, CONFIRM, { id }))).toBe('FORBIDDEN');
    expect(codeOf(await k.gql(b.admin, 'query($t: ID) { creditPurchases(tenantId: $t) { id } }', { t: a.id }))).toBe(
      'FORBIDDEN',
    );
    const asPlatform = await k.gql(platform, 'query($t: ID) { creditPurchases(tenantId: $t) { id } }', { t: a.id });
    expect(asPlatform.data.creditPurchases.map((p: any) => p.id)).toEqual([id]);
  });
});
