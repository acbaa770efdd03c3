import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { sql } from 'drizzle-orm';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withTenant } from '../../src/db/tenant.js';
import { enableReceipts } from '../fakes/receipts.js';
import { eventually, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { startProviders, type Providers } from '../helpers/providers.js';
import {
  exactlyOnce,
  ledgerOf,
  loadTenants,
  makeEvents,
  PRICE,
  produceAll,
  reasons,
  receivedByRecipient,
  statusCounts,
} from './load.js';

// Providers that fail 30% of calls (timeouts, 429, 5xx and permanent rejections, drawn from a
// seeded generator) and a credit race, through Kafka, with exact counts at the fakes and in the ledger.

const FULL = process.env.KABAR_RELIABILITY === 'full';
const FREE = { billable: false, category: 'utility', type: 'free_customer_service' } as const;
/** About one WhatsApp number in ten, chosen by the number so the test knows which. */
const billedNothing = (digits: string) => digits.endsWith('7');
const EVENTS = Number(process.env.KABAR_RELIABILITY_FAULT_EVENTS ?? (FULL ? 6_000 : 1_200));

describe('faulty providers and a credit race', () => {
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    KAFKA_EVENTS_TOPIC: `rel-f.events.${suffix}`,
    KAFKA_DLQ_TOPIC: `rel-f.dlq.${suffix}`,
    KAFKA_STATUS_TOPIC: `rel-f.status.${suffix}`,
    KAFKA_LIVE_TOPIC: `rel-f.live.${suffix}`,
    KAFKA_CONSUMER_GROUP: `rel-f-${suffix}`,
    KAFKA_PARTITIONS: '6',
  };
  let p: Providers;
  let k: TestKabar;
  let producer: Producer;
  /** The credit race counts sends against exact credit: there Meta bills every message. */
  let freeOn = true;

  beforeAll(async () => {
    const brokers = inject('kafkaBrokers');
    p = await startProviders(500);
    k = await startKabar({
      channels: p.channels,
      // The fake drops a timed-out request unanswered and unrecorded: waiting for its receipt only slows the run.
      env: {
        ...p.env,
        ...topics,
        KAFKA_BROKERS: brokers,
        KABAR_RETRY_BASE_MS: '50',
        KABAR_MAX_SEND_ATTEMPTS: '12',
        KABAR_CONFIG_CACHE_MS: '0',
        KABAR_RECEIPT_GRACE_MS: '2000',
      },
      snsFetchCert: (url) => p.sns.fetchCert(url),
    });
    // Meta bills some messages nothing (a utility template inside an open customer-service window): their receipts say so.
    enableReceipts(p, k.url, { whatsAppPricing: (to) => (freeOn && billedNothing(to) ? FREE : undefined) });
    producer = new Kafka({ clientId: 'rel-faults', brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  }, 120_000);
  afterAll(async () => {
    await producer?.disconnect();
    await k?.stop();
    await p?.close();
  });

  it(
    `30% of provider calls fail: every message delivered once in the end; permanent rejections FAILED with the provider's reason and refunded`,
    async () => {
      const tenants = await loadTenants(k, 6, '100000000', p);
      for (const [i, fake] of [p.whatsapp, p.ses, p.sms].entries())
        fake.failureRate(0.3, ['timeout', '429', '5xx', 'permanent'], 7 + i);
      const events = makeEvents(tenants, EVENTS);
      const attemptsBefore = p.whatsapp.attempts + p.ses.attempts + p.sms.attempts;
      await produceAll(producer, topics.KAFKA_EVENTS_TOPIC, events);
      // Settled: every event has its delivery and none is still queued (QUEUED = 0 alone also holds before the first one).
      await eventually(
        async () => {
          const c = await statusCounts(k, tenants);
          expect({ queued: c.QUEUED ?? 0, settled: (c.SENT ?? 0) + (c.FAILED ?? 0) }).toEqual({
            queued: 0,
            settled: events.length,
          });
        },
        FULL ? 600_000 : 180_000,
        1000,
      );
      const counts = await statusCounts(k, tenants);
      expect((counts.SENT ?? 0) + (counts.FAILED ?? 0)).toBe(events.length);

      // Per delivery: SENT ones reached their provider exactly once, FAILED ones never did.
      const byRecipient = receivedByRecipient(p);
      const failed = await failures(tenants);
      const asProviderSees = (f: { channel: string; recipient: string }) =>
        f.channel === 'WHATSAPP' ? f.recipient.slice(1) : f.recipient;
      const failedRecipients = new Set(failed.map(asProviderSees));
      const sentEvents = events.filter((e) => !failedRecipients.has(e.recipient));
      expect(failed.length + sentEvents.length).toBe(events.length);
      expect(exactlyOnce(p, sentEvents)).toEqual({
        expected: sentEvents.length,
        received: sentEvents.length,
        missing: 0,
        duplicates: 0,
        unexpected: 0,
      });
      for (const f of failed) expect(byRecipient.has(asProviderSees(f))).toBe(false);
      // Only permanent rejections end FAILED, each with the provider's own words; none gave up on a transient error.
      const permanent =
        /^(132001: Template name does not exist in the translation|21211: The 'To' number is not a valid phone number\.|MessageRejected: Email address is not verified)/;
      expect(failed.filter((f) => !permanent.test(f.reason)).map((f) => f.reason)).toEqual([]);
      expect(failed.length).toBeGreaterThan(0);

      // The ledger: one debit per WhatsApp message, one refund per failed one and per one Meta billed
      // nothing for (once its receipt is in), balance = sum.
      const calls = p.whatsapp.attempts + p.ses.attempts + p.sms.attempts - attemptsBefore;
      const faults = calls - sentEvents.length;
      let free = 0;
      for (const t of tenants) {
        const mine = events.filter((e) => e.tenantId === t.id && e.channel === 'WHATSAPP').length;
        const refunded = failed.filter((f) => f.tenantId === t.id && f.channel === 'WHATSAPP').length;
        const billedFree = sentEvents.filter(
          (e) => e.tenantId === t.id && e.channel === 'WHATSAPP' && billedNothing(e.recipient),
        ).length;
        free += billedFree;
        await eventually(
          async () => {
            const l = await ledgerOf(k, t.id);
            expect({ debits: l.debits, distinct: l.distinctDebits, refunds: l.refunds, negative: l.negative }).toEqual({
              debits: mine,
              distinct: mine,
              refunds: refunded + billedFree,
              negative: false,
            });
            expect(l.balance).toBe(l.sum);
            expect(l.balance).toBe(
              new Decimal('100000000').minus(new Decimal(PRICE).times(mine - refunded - billedFree)).toFixed(),
            );
          },
          30_000,
          250,
        );
      }
      expect(free).toBeGreaterThan(0);
      console.info(
        `[reliability] faults: ${events.length} messages, ${calls} provider calls of which ${faults} failed (${Math.round((100 * faults) / calls)}%), ${sentEvents.length} delivered once, ${failed.length} rejected permanently and refunded, ${free} billed nothing by Meta and refunded, 0 duplicates, 0 lost`,
      );
    },
    FULL ? 700_000 : 240_000,
  );

  it('credit race: 1,000 WhatsApp messages against credit for 400 send exactly 400, skip 600, end at exactly zero', async () => {
    for (const fake of [p.whatsapp, p.ses, p.sms]) fake.failureRate(0);
    freeOn = false;
    const [t] = await loadTenants(k, 1, new Decimal(PRICE).times(400).toFixed(), p);
    const events = makeEvents([t!], 1000, 1_000_000, ['appointment.no_show']);
    await produceAll(producer, topics.KAFKA_EVENTS_TOPIC, events, 100);
    await eventually(
      async () => {
        const c = await statusCounts(k, [t!]);
        expect((c.SENT ?? 0) + (c.SKIPPED ?? 0), JSON.stringify(c)).toBe(1000);
      },
      120_000,
      500,
    );
    expect(await statusCounts(k, [t!])).toEqual({ SENT: 400, SKIPPED: 600 });
    expect(await reasons(k, [t!])).toMatchObject({ 'appointment.no_show WHATSAPP SKIPPED: INSUFFICIENT_CREDIT': 600 });
    expect(exactlyOnce(p, events).received).toBe(400);
    expect(exactlyOnce(p, events).duplicates).toBe(0);
    const l = await ledgerOf(k, t!.id);
    expect(l).toEqual({ balance: '0', sum: '0', debits: 400, distinctDebits: 400, refunds: 0, negative: false });
  }, 180_000);

  async function failures(tenants: TestTenant[]) {
    const out: { tenantId: string; channel: string; recipient: string; reason: string }[] = [];
    for (const t of tenants) {
      await withTenant({ db: k.app.db, actor: 'test', tenantId: t.id }, async (s) => {
        const rows = (await s.tx.execute(
          sql`select channel::text as channel, recipient, reason from deliveries where status = 'FAILED' and event_type in ('appointment.no_show', 'report.ready', 'prescription.ready')`,
        )) as unknown as { channel: string; recipient: string; reason: string }[];
        for (const r of rows) out.push({ tenantId: t.id, ...r });
      });
    }
    return out;
  }
});
