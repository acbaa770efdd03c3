import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenant.js';
import { deliveries, deliveryStatusHistory } from '../../src/schema/index.js';
import { codeOf, eventually, platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';

const PAGE = `query($first: Int, $after: String, $filter: DeliveryFilter) {
  deliveries(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id eventId status channel history { status reason at } } }
  }
}`;

describe('deliveries (read side) and live status', () => {
  let k: TestKabar;
  let t: TestTenant;
  let other: TestTenant;

  async function seedDeliveries(tenantId: string, n: number, status: 'SENT' | 'FAILED' = 'SENT') {
    await withTenant({ db: k.app.db, actor: 'test', tenantId }, async (s) => {
      const rows = await s.tx
        .insert(deliveries)
        .values(
          Array.from({ length: n }, (_, i) => ({
            tenantId,
            eventId: `evt-${i}-${randomUUID().slice(0, 6)}`,
            eventType: 'report.ready',
            channel: (i % 2 ? 'EMAIL' : 'SMS') as 'EMAIL' | 'SMS',
            recipient: `p${i}@example.id`,
            recipientKind: 'patient',
            language: 'EN' as const,
            status,
            renderedBody: 'Your report is ready.',
          })),
        )
        .returning({ id: deliveries.id });
      await s.tx.insert(deliveryStatusHistory).values(
        rows.flatMap((r) => [
          { tenantId, deliveryId: r.id, status: 'QUEUED' as const },
          { tenantId, deliveryId: r.id, status },
        ]),
      );
    });
  }

  beforeAll(async () => {
    // No background loops: the statement counter must see this test's requests only.
    k = await startKabar({ loops: false });
    t = await k.newTenant();
    other = await k.newTenant();
    await seedDeliveries(t.id, 150);
    await seedDeliveries(other.id, 5, 'FAILED');
  });
  afterAll(async () => k.stop());

  it('pages through every delivery exactly once with cursors, newest first', async () => {
    const seen = new Set<string>();
    let after: string | null = null;
    let pages = 0;
    do {
      const res: any = await k.gql(t.support, PAGE, { first: 40, after });
      expect(res.errors).toBeUndefined();
      const conn: any = res.data.deliveries;
      expect(conn.totalCount).toBe(150);
      for (const e of conn.edges) seen.add(e.node.id);
      after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(seen.size).toBe(150);
    expect(pages).toBe(4);
  });

  it('the number of SQL statements does not grow with the page size (nested history is batched)', async () => {
    const count = async (first: number) => {
      const before = k.app.db.stats.statements;
      const res = await k.gql(t.support, PAGE, { first });
      expect(res.data.deliveries.edges).toHaveLength(first);
      expect(res.data.deliveries.edges[0].node.history.map((h: any) => h.status)).toEqual(['QUEUED', 'SENT']);
      return k.app.db.stats.statements - before;
    };
    const ten = await count(10);
    const hundred = await count(100);
    expect(hundred).toBe(ten);
    expect(ten).toBeLessThanOrEqual(6);
  });

  it('enforces the maximum page size and rejects forged cursors', async () => {
    const big = await k.gql(t.support, PAGE, { first: 1000 });
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const forged = await k.gql(t.support, PAGE, { first: 10, after: 'bm9wZQ' });
    expect(forged.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('filters by channel and status', async () => {
    const res = await k.gql(t.support, PAGE, { first: 100, filter: { channel: 'EMAIL', status: 'SENT' } });
    expect(res.data.deliveries.totalCount).toBe(75);
    expect(res.data.deliveries.edges.every((e: any) => e.node.channel === 'EMAIL')).toBe(true);
  });

  it("another tenant's deliveries are invisible and cannot be retried", async () => {
    const theirs = await k.gql(other.admin, PAGE, { first: 10 });
    const id = theirs.data.deliveries.edges[0].node.id;
    expect((await k.gql(t.admin, 'query($id: ID!) { delivery(id: $id) { id } }', { id })).data.delivery).toBeNull();
    expect(codeOf(await k.gql(t.admin, 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', { id }))).toBe(
      'NOT_FOUND',
    );
    expect((await k.gql(t.admin, PAGE, { first: 10, filter: { status: 'FAILED' } })).data.deliveries.totalCount).toBe(
      0,
    );
  });

  it('retry moves only a FAILED delivery back to QUEUED, with history and audit', async () => {
    const theirs = await k.gql(other.admin, PAGE, { first: 1 });
    const id = theirs.data.deliveries.edges[0].node.id;
    const retried = await k.gql(
      other.admin,
      'mutation($id: ID!) { retryDelivery(id: $id) { status reason history { status reason } } }',
      { id },
    );
    expect(retried.data.retryDelivery.status).toBe('QUEUED');
    expect(retried.data.retryDelivery.history.at(-1)).toEqual({ status: 'QUEUED', reason: 'retry requested' });
    expect(codeOf(await k.gql(other.admin, 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', { id }))).toBe(
      'INVALID_STATE_TRANSITION',
    );
  });

  it('streams credit balance changes over graphql-ws to the own tenant only', async () => {
    const wsUrl = k.url.replace(/^http/, 'ws');
    const connect = (token: string) =>
      createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
      });
    const mine = connect(t.staff);
    const theirs = connect(other.staff);
    const got: { mine: any[]; theirs: any[] } = { mine: [], theirs: [] };
    const query = 'subscription { creditBalanceChanged { currency balance } }';
    const stopMine = mine.subscribe(
      { query },
      { next: (v) => void got.mine.push(v), error: () => {}, complete: () => {} },
    );
    const stopTheirs = theirs.subscribe(
      { query },
      { next: (v) => void got.theirs.push(v), error: () => {}, complete: () => {} },
    );
    await new Promise((r) => setTimeout(r, 300));

    const req = await k.gql(t.admin, 'mutation { requestCreditPurchase(amount: "2500") { id } }');
    await k.gql(await platformToken(), 'mutation($id: ID!) { confirmCreditPurchase(id: $id) { status } }', {
      id: req.data.requestCreditPurchase.id,
    });
    await eventually(() =>
      expect(got.mine).toEqual([{ data: { creditBalanceChanged: { currency: 'IDR', balance: '2500' } } }]),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(got.theirs).toEqual([]);
    stopMine();
    stopTheirs();
    await mine.dispose();
    await theirs.dispose();
  });

  it('refuses a subscription without a valid token', async () => {
    const client = createClient({
      url: k.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: 'Bearer nope' },
      retryAttempts: 0,
      lazy: false,
    });
    const outcome = await new Promise<string>((resolve) => {
      client.on('closed', (e) => resolve(String((e as { code?: number }).code)));
      client.subscribe(
        { query: 'subscription { creditBalanceChanged { balance } }' },
        { next: () => resolve('data'), error: () => {}, complete: () => {} },
      );
    });
    expect(outcome).toBe('4403');
    await client.dispose();
  });
});
