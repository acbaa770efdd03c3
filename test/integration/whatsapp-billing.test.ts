import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { whatsappStatusPayload, type WhatsAppStatusSpec } from '../fakes/whatsapp.js';
import type { WhatsAppPricingSpec } from '../fakes/whatsapp-meta.js';
import { eventually, startKabar, type TestKabar } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import {
  CREDIT,
  ledger,
  META_PRICES,
  metaTenant,
  postWebhook,
  setMetaPrices,
  settledDeliveries,
  type MetaTenant,
} from '../helpers/meta.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// Credits follow what Meta billed: the `pricing` object on WhatsApp status webhooks settles each
// message's charge, once, whatever the order, repetition or lateness of the statuses.

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';
const FREE: WhatsAppPricingSpec = { billable: false, category: 'utility', type: 'free_customer_service' };
const MARKETING: WhatsAppPricingSpec = { billable: true, category: 'marketing', type: 'regular' };
const UTILITY: WhatsAppPricingSpec = { billable: true, category: 'utility', type: 'regular' };

describe('WhatsApp credits follow what Meta billed', () => {
  let k: TestKabar;
  let p: Providers;

  beforeAll(async () => {
    p = await startProviders();
    k = await startKabar({ channels: p.channels, env: { ...p.env, KABAR_RETRY_BASE_MS: '50' } });
    await setMetaPrices(k);
  });
  afterAll(async () => {
    await k.stop();
    await p.close();
  });
  beforeEach(() => p.reset());

  /** A sent WhatsApp message of the tenant (charged the UTILITY price). */
  async function sent(t: MetaTenant) {
    const input = sampleEvent('appointment.confirmed');
    expect((await k.gql(t.service, PUBLISH, { input })).errors).toBeUndefined();
    const rows = await settledDeliveries(k, t, { e: input.id }, 2);
    const wa = rows.find((r) => r.channel === 'WHATSAPP');
    expect(wa).toMatchObject({ status: 'SENT', cost: META_PRICES.UTILITY });
    return wa;
  }
  // `later` shifts the timestamp: another envelope for the same status (not a replay of the first).
  const status = (wa: any, s: WhatsAppStatusSpec['status'], pricing: WhatsAppPricingSpec | null, later = 0) =>
    whatsappStatusPayload([
      {
        id: wa.providerMessageId,
        status: s,
        callbackData: wa.id,
        pricing,
        timestamp: Math.floor(Date.now() / 1000) + later,
      },
    ]);
  const movements = async (t: MetaTenant, wa: any) =>
    (await ledger(k, t)).rows.filter((r) => r.deliveryId === wa.id && r.kind !== 'DEBIT');
  const costOf = async (t: MetaTenant, wa: any) =>
    (await settledDeliveries(k, t, { e: undefined, t: 'appointment.confirmed' })).find((r) => r.id === wa.id).cost;

  it('a message Meta bills nothing for (free_customer_service) gets its debit refunded, once, and says why', async () => {
    const t = await metaTenant(k, p);
    const wa = await sent(t);
    expect((await ledger(k, t)).balance).toBe(new Decimal(CREDIT).minus(META_PRICES.UTILITY).toFixed());
    // Another tenant's webhook cannot settle it, even naming the message and the delivery.
    const other = await metaTenant(k, p);
    await postWebhook(other, status(wa, 'sent', FREE));
    expect(await movements(t, wa)).toEqual([]);
    expect((await ledger(k, other)).balance).toBe(CREDIT);
    await postWebhook(t, status(wa, 'sent', FREE));
    await postWebhook(t, status(wa, 'delivered', FREE));
    const rows = await movements(t, wa);
    expect(rows).toEqual([
      expect.objectContaining({
        kind: 'REFUND',
        amount: META_PRICES.UTILITY,
        note: expect.stringMatching(/Meta billed nothing.*free_customer_service/),
      }),
    ]);
    expect((await ledger(k, t)).balance).toBe(CREDIT);
    expect(await costOf(t, wa)).toBe('0');
  });

  it('a message billed under another category is adjusted by the difference at the prices of the send', async () => {
    const t = await metaTenant(k, p);
    const wa = await sent(t);
    await postWebhook(t, status(wa, 'delivered', MARKETING));
    const difference = new Decimal(META_PRICES.MARKETING).minus(META_PRICES.UTILITY);
    expect(await movements(t, wa)).toEqual([
      expect.objectContaining({
        kind: 'ADJUSTMENT',
        amount: difference.neg().toFixed(),
        note: expect.stringContaining('Meta billed MARKETING'),
      }),
    ]);
    expect((await ledger(k, t)).balance).toBe(new Decimal(CREDIT).minus(META_PRICES.MARKETING).toFixed());
    expect(await costOf(t, wa)).toBe(META_PRICES.MARKETING);
    // Billed as charged: nothing moves.
    const same = await sent(t);
    await postWebhook(t, status(same, 'sent', UTILITY));
    expect(await movements(t, same)).toEqual([]);
    expect((await ledger(k, t)).balance).toBe(
      new Decimal(CREDIT).minus(META_PRICES.MARKETING).minus(META_PRICES.UTILITY).toFixed(),
    );
  });

  it('statuses out of order, repeated and concurrent: exactly one refund or adjustment per delivery, the ledger equal to the balance after each', async () => {
    const t = await metaTenant(k, p);
    const free = await sent(t);
    const recategorised = await sent(t);
    // read (no pricing) first, then delivered, then a late sent; each twice at once, in two envelopes.
    for (const s of ['read', 'delivered', 'sent'] as const) {
      const twice = (wa: any, pricing: WhatsAppPricingSpec) =>
        [0, 1].map((later) => postWebhook(t, status(wa, s, s === 'read' ? null : pricing, later)));
      await Promise.all([...twice(free, FREE), ...twice(recategorised, MARKETING)]);
      await ledger(k, t);
    }
    // Meta contradicting itself later changes nothing: the first pricing settled it.
    await postWebhook(t, status(free, 'delivered', UTILITY));
    await postWebhook(t, status(recategorised, 'delivered', FREE));
    expect((await movements(t, free)).map((r) => r.kind)).toEqual(['REFUND']);
    expect((await movements(t, recategorised)).map((r) => r.kind)).toEqual(['ADJUSTMENT']);
    expect((await ledger(k, t)).balance).toBe(new Decimal(CREDIT).minus(META_PRICES.MARKETING).toFixed());
  });

  it('a message that failed (and was refunded) is not refunded again by a later pricing', async () => {
    const t = await metaTenant(k, p);
    const wa = await sent(t);
    await postWebhook(
      t,
      whatsappStatusPayload([
        {
          id: wa.providerMessageId,
          status: 'failed',
          errors: [{ code: 131026, title: 'Message undeliverable' }],
          pricing: null,
        },
      ]),
    );
    await eventually(async () => expect((await movements(t, wa)).map((r) => r.kind)).toEqual(['REFUND']));
    await postWebhook(t, status(wa, 'sent', FREE));
    expect((await movements(t, wa)).map((r) => r.kind)).toEqual(['REFUND']);
    expect((await ledger(k, t)).balance).toBe(CREDIT);
  });
});
