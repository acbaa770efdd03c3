import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { sql } from 'drizzle-orm';
import type { Producer } from 'kafkajs';
import { expect } from 'vitest';
import { withTenant } from '../../src/db/tenant.js';
import type { FakeProviders } from '../fakes/index.js';
import { enableWhatsApp, setTestPrices, TEST_PRICE, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleData } from '../helpers/events.js';

// A load whose every expected message is known in advance: each event goes to one patient of
// its own over exactly one channel, so the fakes can be checked message by message.

export const PRICE = TEST_PRICE;
/** Event type → the one channel each tenant sends it on. */
export const CHANNEL_OF: Record<string, 'WHATSAPP' | 'EMAIL' | 'SMS'> = {
  'appointment.no_show': 'WHATSAPP',
  'report.ready': 'EMAIL',
  'prescription.ready': 'SMS',
};
const TYPES = Object.keys(CHANNEL_OF);

/** Tenants with WhatsApp on (a key `provider` issued), configured, paid for (`credit`), and one channel per event type. */
export async function loadTenants(
  k: TestKabar,
  count: number,
  credit: string,
  provider: Pick<FakeProviders, 'whatsapp'>,
): Promise<TestTenant[]> {
  // The same price the other suites set: files share one database and run side by side.
  await setTestPrices(k);
  const tenants: TestTenant[] = [];
  for (let i = 0; i < count; i++) {
    const t = await k.newTenant();
    await enableWhatsApp(k, t, {
      token: `d360-rel-key-${i}-${randomUUID().slice(0, 6)}`,
      credit,
      provider: provider.whatsapp,
    });
    for (const [type, channel] of Object.entries(CHANNEL_OF)) {
      const res = await k.gql(
        t.admin,
        `mutation { setEventChannels(eventType: "${type}", channels: [${channel}]) { eventType } }`,
      );
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    }
    tenants.push(t);
  }
  return tenants;
}

export interface LoadEvent {
  index: number;
  tenantId: string;
  id: string;
  type: string;
  channel: 'WHATSAPP' | 'EMAIL' | 'SMS';
  /** How the provider names the recipient (WhatsApp drops the "+"). */
  recipient: string;
  message: { key: string; value: string };
}

/** `count` events round-robin over tenants and types, each to a patient of its own. */
export function makeEvents(tenants: TestTenant[], count: number, offset = 0, types: string[] = TYPES): LoadEvent[] {
  return Array.from({ length: count }, (_, n) => {
    const index = offset + n;
    const tenant = tenants[index % tenants.length]!;
    const type = types[index % types.length]!;
    const channel = CHANNEL_OF[type]!;
    const phone = `+62812${String(index).padStart(8, '0')}`;
    const email = `p${index}@example.id`;
    const id = `evt-${randomUUID()}`;
    const data = sampleData(type, { phone, email, language: 'id' });
    const recipient = channel === 'WHATSAPP' ? phone.slice(1) : channel === 'SMS' ? phone : email;
    return {
      index,
      tenantId: tenant.id,
      id,
      type,
      channel,
      recipient,
      message: {
        key: tenant.id,
        value: JSON.stringify({ id, type, tenantId: tenant.id, occurredAt: new Date().toISOString(), data }),
      },
    };
  });
}

export async function produceAll(producer: Producer, topic: string, events: LoadEvent[], batch = 500): Promise<void> {
  for (let i = 0; i < events.length; i += batch) {
    await producer.send({ topic, messages: events.slice(i, i + batch).map((e) => e.message) });
  }
}

/** Every accepted message at the fakes, keyed by recipient. */
export function receivedByRecipient(fakes: FakeProviders): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (r: string) => counts.set(r, (counts.get(r) ?? 0) + 1);
  for (const m of fakes.whatsapp.received) add(m.to);
  for (const m of fakes.ses.received) for (const to of m.to) add(to);
  for (const m of fakes.sms.received) add(m.to);
  return counts;
}

export interface ExactOnce {
  expected: number;
  received: number;
  missing: number;
  duplicates: number;
  unexpected: number;
}

/** Messages at the fakes against the expected ones: received for them, missing, doubled, and recipients nobody expected. */
export function exactlyOnce(fakes: FakeProviders, events: LoadEvent[]): ExactOnce {
  const counts = receivedByRecipient(fakes);
  const expected = new Set(events.map((e) => e.recipient));
  let missing = 0;
  let duplicates = 0;
  let received = 0;
  for (const [r, n] of counts) {
    if (!expected.has(r)) continue;
    received += n;
    if (n > 1) duplicates += n - 1;
  }
  for (const r of expected) if (!counts.has(r)) missing++;
  const unexpected = [...counts.keys()].filter((r) => !expected.has(r)).length;
  return { expected: expected.size, received, missing, duplicates, unexpected };
}

export interface Ledger {
  balance: string;
  sum: string;
  debits: number;
  distinctDebits: number;
  refunds: number;
  negative: boolean;
}

/** A tenant's ledger read in the database: the balance, the ledger's sum, debits per delivery. */
export async function ledgerOf(k: TestKabar, tenantId: string): Promise<Ledger> {
  return withTenant({ db: k.app.db, actor: 'test', tenantId }, async (s) => {
    const rows = await s.tx.execute(sql`select
      (select balance::text from credit_balances) as balance,
      (select coalesce(sum(amount), 0)::text from credit_transactions) as sum,
      (select count(*) from credit_transactions where kind = 'DEBIT')::int as debits,
      (select count(distinct delivery_id) from credit_transactions where kind = 'DEBIT')::int as distinct_debits,
      (select count(*) from credit_transactions where kind = 'REFUND')::int as refunds,
      (select count(*) from credit_transactions where balance_after < 0)::int as negative`);
    const r = (rows as unknown as Record<string, any>[])[0]!;
    return {
      balance: new Decimal(r.balance).toFixed(),
      sum: new Decimal(r.sum).toFixed(),
      debits: r.debits,
      distinctDebits: r.distinct_debits,
      refunds: r.refunds,
      negative: r.negative > 0,
    };
  });
}

/** Deliveries of the load's event types by status across the given tenants (from the database). */
export async function statusCounts(k: TestKabar, tenants: TestTenant[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tenants) {
    await withTenant({ db: k.app.db, actor: 'test', tenantId: t.id }, async (s) => {
      const rows = (await s.tx.execute(
        sql`select status::text as status, count(*)::int as n from deliveries where event_type in (${sql.join(
          TYPES.map((t) => sql`${t}`),
          sql`, `,
        )}) group by status`,
      )) as unknown as { status: string; n: number }[];
      for (const r of rows) out[r.status] = (out[r.status] ?? 0) + r.n;
    });
  }
  return out;
}

/** Checks every tenant's ledger: balance = sum, no delivery charged twice, never negative; WhatsApp debits as expected. */
export async function expectLedgersHold(k: TestKabar, tenants: TestTenant[], events: LoadEvent[]): Promise<number> {
  let debits = 0;
  for (const t of tenants) {
    const l = await ledgerOf(k, t.id);
    expect(l.balance).toBe(l.sum);
    expect(l.debits).toBe(l.distinctDebits);
    expect(l.negative).toBe(false);
    expect(l.debits - l.refunds).toBe(events.filter((e) => e.tenantId === t.id && e.channel === 'WHATSAPP').length);
    debits += l.debits;
  }
  return debits;
}

/** Why deliveries that are not SENT are where they are (for failure messages). */
export async function reasons(k: TestKabar, tenants: TestTenant[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tenants) {
    await withTenant({ db: k.app.db, actor: 'test', tenantId: t.id }, async (s) => {
      const rows = (await s.tx.execute(
        sql`select event_type || ' ' || channel::text || ' ' || status::text || ': ' || coalesce(reason, '') as r, count(*)::int as n from deliveries group by 1`,
      )) as unknown as { r: string; n: number }[];
      for (const r of rows) out[r.r] = (out[r.r] ?? 0) + r.n;
    });
  }
  return out;
}

/** Why messages were attempted again (the history's retry and resend lines), by reason with numbers blanked: what explains a duplicate. */
export async function retryReasons(k: TestKabar, tenants: TestTenant[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tenants) {
    await withTenant({ db: k.app.db, actor: 'test', tenantId: t.id }, async (s) => {
      const rows = (await s.tx.execute(
        sql`select regexp_replace(reason, '[0-9]+', 'N', 'g') as r, count(*)::int as n from delivery_status_history where status = 'QUEUED' and reason is not null group by 1`,
      )) as unknown as { r: string; n: number }[];
      for (const r of rows) out[r.r] = (out[r.r] ?? 0) + r.n;
    });
  }
  return out;
}
