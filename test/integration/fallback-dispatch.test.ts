import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendWhatsAppWebhook, whatsappStatusPayload } from '../fakes/whatsapp.js';
import {
  enableWhatsApp,
  eventually,
  setTestPrices,
  startKabar,
  type TestKabar,
  type TestTenant,
} from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// Channel fallback at dispatch, through the public API, with the fake providers over HTTP and
// exact counts at the fakes: each trigger (a skip, a permanent failure, no receipt in time), the
// "already reached on `to`" rule, a late receipt, and the gates the fallback goes through.

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted duplicate } }';
const DELIVERIES = `query($e: String) { deliveries(first: 100, filter: { eventId: $e }) { edges { node {
  id channel recipient status reason cost patientId fallbackOf deferredUntil attempts providerMessageId history { status reason } } } } }`;
const RULE = 'mutation($input: ChannelFallbackInput!) { upsertChannelFallback(input: $input) { id } }';
const WA_TOKEN = 'd360-key-fallback-0123';
/** Long enough for several 250 ms sweeps: what did not happen by then is not going to. */
const QUIET_MS = 1200;
/** A timed-out WhatsApp send waits this long for its receipt before it is retried: longer than the fallback timer. */
const RECEIPT_GRACE_MS = 300_000;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('channel fallback: one message on the other channel, through the same gates', () => {
  let k: TestKabar;
  let p: Providers;
  /** Kabar's clock runs with real time, shifted by `offset` (advanced by the timed tests). */
  let offset = 0;

  beforeAll(async () => {
    p = await startProviders();
    k = await startKabar({
      channels: p.channels,
      env: { ...p.env, KABAR_RETRY_BASE_MS: '50', KABAR_RECEIPT_GRACE_MS: String(RECEIPT_GRACE_MS) },
      now: () => new Date(Date.now() + offset),
    });
    await setTestPrices(k);
  });
  afterAll(async () => {
    await k?.stop();
    await p?.close();
  });
  beforeEach(() => p.reset());

  /** WhatsApp configured (with `credit`), optionally switched off, and a `* : WHATSAPP → SMS` rule. */
  async function tenantWithRule(
    opts: { credit?: string; whatsApp?: boolean; undeliveredAfterSeconds?: number } = {},
  ): Promise<TestTenant> {
    const t = await k.newTenant();
    await enableWhatsApp(k, t, {
      token: `${WA_TOKEN}-${t.id.slice(0, 8)}`,
      credit: opts.credit ?? '100000',
      provider: p.whatsapp,
    });
    if (opts.whatsApp === false)
      ok(await k.gql(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "0") { key } }'));
    ok(
      await k.gql(t.admin, RULE, {
        input: {
          eventPattern: '*',
          from: 'WHATSAPP',
          to: 'SMS',
          undeliveredAfterSeconds: opts.undeliveredAfterSeconds ?? null,
        },
      }),
    );
    return t;
  }

  function ok(res: { errors?: unknown; data: any }) {
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data;
  }

  /** Publishes an event to a patient with a phone number of its own, so the fakes' counts are this test's. */
  async function publish(t: TestTenant, type = 'appointment.confirmed') {
    const phone = `+62813${randomInt(10_000_000, 99_999_999)}`;
    const input = sampleEvent(type, { phone, email: `p${randomInt(1e9)}@example.id` });
    ok(await k.gql(t.service, PUBLISH, { input }));
    return { id: input.id, phone, patient: input.data.patient as { id: string; email: string } };
  }

  /** Waits until the event has `n` deliveries, none QUEUED. */
  async function settled(t: TestTenant, eventId: string, n: number): Promise<any[]> {
    return eventually(async () => {
      const rows = ok(await k.gql(t.admin, DELIVERIES, { e: eventId })).deliveries.edges.map((e: any) => e.node);
      expect(rows).toHaveLength(n);
      expect(rows.filter((r: any) => r.status === 'QUEUED')).toEqual([]);
      return rows;
    });
  }
  const smsTo = (phone: string) => p.sms.received.filter((m) => m.to === phone);
  const whatsAppTo = (phone: string) => p.whatsapp.received.filter((m) => `+${m.to}` === phone || m.to === phone);

  async function webhookOf(t: TestTenant) {
    return eventually(() => {
      const w = p.whatsapp.webhooks.find((x) => x.url.endsWith(`/webhooks/whatsapp/${t.id}`));
      expect(w).toBeDefined();
      return { url: w!.url, secret: w!.headers['X-Kabar-Webhook-Secret']! };
    });
  }

  it('a WhatsApp message skipped because WhatsApp is off goes once by SMS, linked to it; email is unaffected', async () => {
    const t = await tenantWithRule({ whatsApp: false });
    const e = await publish(t);
    const rows = await settled(t, e.id, 3);
    const wa = rows.find((r) => r.channel === 'WHATSAPP');
    const sms = rows.find((r) => r.channel === 'SMS');
    const email = rows.find((r) => r.channel === 'EMAIL');
    expect(wa).toMatchObject({
      status: 'SKIPPED',
      reason: 'WHATSAPP_DISABLED',
      fallbackOf: null,
      cost: null,
      patientId: e.patient.id,
    });
    expect(sms).toMatchObject({
      status: 'SENT',
      fallbackOf: wa.id,
      recipient: e.phone,
      patientId: e.patient.id,
      cost: null,
      attempts: 1,
      deferredUntil: null,
    });
    expect(sms.history[0]).toEqual({ status: 'QUEUED', reason: `fallback for ${wa.id} (WHATSAPP: WHATSAPP_DISABLED)` });
    expect(email).toMatchObject({ status: 'SENT', fallbackOf: null, recipient: e.patient.email });
    await pause(QUIET_MS);
    expect(smsTo(e.phone)).toHaveLength(1);
    expect(smsTo(e.phone)[0]!.sid).toBe(sms.providerMessageId);
    expect(smsTo(e.phone)[0]!.body).toContain('dr. Andi Wijaya');
    expect(whatsAppTo(e.phone)).toHaveLength(0);
    expect(p.ses.received.filter((m) => m.to[0] === e.patient.email)).toHaveLength(1);
    expect(await settled(t, e.id, 3)).toHaveLength(3);
    const audit = ok(
      await k.gql(
        t.admin,
        'query { auditLog(first: 10, filter: { action: "delivery.fallback" }) { edges { node { entityId details } } } }',
      ),
    ).auditLog.edges;
    expect(audit.map((x: any) => x.node)).toEqual([
      {
        entityId: sms.id,
        details: { fallbackOf: wa.id, from: 'WHATSAPP', to: 'SMS', eventId: e.id, status: 'QUEUED' },
      },
    ]);
    // Its fallback reached the patient: resending the WhatsApp message would send both, so it is left alone.
    expect(
      ok(
        await k.gql(t.admin, 'mutation($ids: [ID!]) { resendDeliveries(ids: $ids) { requeued unchanged } }', {
          ids: [wa.id],
        }),
      ).resendDeliveries,
    ).toEqual({ requeued: 0, unchanged: 1 });
  });

  it('a WhatsApp message skipped for insufficient credit goes by SMS, and nothing is debited', async () => {
    const t = await tenantWithRule({ credit: '0' });
    const e = await publish(t);
    const rows = await settled(t, e.id, 3);
    const wa = rows.find((r) => r.channel === 'WHATSAPP');
    expect(wa).toMatchObject({ status: 'SKIPPED', reason: 'INSUFFICIENT_CREDIT', cost: null });
    expect(rows.find((r) => r.channel === 'SMS')).toMatchObject({ status: 'SENT', fallbackOf: wa.id });
    await pause(QUIET_MS);
    expect(smsTo(e.phone)).toHaveLength(1);
    expect(whatsAppTo(e.phone)).toHaveLength(0);
    const credit = ok(
      await k.gql(
        t.admin,
        'query { creditBalance { balance } creditTransactions(first: 10) { edges { node { kind } } } }',
      ),
    );
    expect(credit).toEqual({ creditBalance: { balance: '0' }, creditTransactions: { edges: [] } });
  });

  it('no fallback when the event itself already reaches the patient by SMS', async () => {
    const t = await tenantWithRule({ whatsApp: false });
    ok(
      await k.gql(
        t.admin,
        'mutation { setEventChannels(eventType: "appointment.confirmed", channels: [WHATSAPP, SMS, EMAIL]) { enabled } }',
      ),
    );
    const e = await publish(t);
    const rows = await settled(t, e.id, 3);
    expect(rows.map((r) => `${r.channel}:${r.status}`).sort()).toEqual(['EMAIL:SENT', 'SMS:SENT', 'WHATSAPP:SKIPPED']);
    await pause(QUIET_MS);
    expect((await settled(t, e.id, 3)).filter((r) => r.fallbackOf !== null)).toEqual([]);
    expect(smsTo(e.phone)).toHaveLength(1);
  });

  it('a permanent WhatsApp failure is refunded and goes once by SMS', async () => {
    const t = await tenantWithRule({ credit: '1000' });
    await webhookOf(t); // registered, so the fault below hits the message
    p.whatsapp.fail(1, 'permanent', 131026);
    const e = await publish(t);
    const rows = await settled(t, e.id, 3);
    const wa = rows.find((r) => r.channel === 'WHATSAPP');
    expect(wa.status).toBe('FAILED');
    expect(wa.reason).toContain('131026');
    expect(rows.find((r) => r.channel === 'SMS')).toMatchObject({
      status: 'SENT',
      fallbackOf: wa.id,
      recipient: e.phone,
    });
    await pause(QUIET_MS);
    expect(smsTo(e.phone)).toHaveLength(1);
    expect(whatsAppTo(e.phone)).toHaveLength(0);
    const credit = ok(
      await k.gql(
        t.admin,
        'query { creditBalance { balance } creditTransactions(first: 10) { edges { node { kind amount deliveryId } } } }',
      ),
    );
    expect(credit.creditBalance.balance).toBe('1000');
    expect(credit.creditTransactions.edges.map((x: any) => x.node)).toEqual([
      { kind: 'REFUND', amount: '350.5', deliveryId: wa.id },
      { kind: 'DEBIT', amount: '-350.5', deliveryId: wa.id },
      { kind: 'PURCHASE', amount: '1000', deliveryId: null },
    ]);
  });

  it('no receipt within undeliveredAfterSeconds: one SMS; a late DELIVERED receipt changes nothing', async () => {
    const t = await tenantWithRule({ undeliveredAfterSeconds: 60 });
    const hook = await webhookOf(t);
    const e = await publish(t);
    const [wa] = (await settled(t, e.id, 2)).filter((r) => r.channel === 'WHATSAPP');
    expect(wa).toMatchObject({ status: 'SENT', cost: '350.5' });
    await pause(QUIET_MS);
    expect(smsTo(e.phone)).toHaveLength(0);

    offset += 61_000;
    const rows = await settled(t, e.id, 3);
    expect(rows.find((r) => r.channel === 'SMS')).toMatchObject({ status: 'SENT', fallbackOf: wa.id });
    expect(rows.find((r) => r.channel === 'WHATSAPP').status).toBe('SENT');
    expect(smsTo(e.phone)).toHaveLength(1);

    const late = whatsappStatusPayload([
      { id: wa.providerMessageId, status: 'delivered', recipientId: e.phone.slice(1) },
    ]);
    expect((await sendWhatsAppWebhook(hook.url, hook.secret, late)).status).toBe(200);
    await eventually(async () =>
      expect((await settled(t, e.id, 3)).find((r) => r.channel === 'WHATSAPP').status).toBe('DELIVERED'),
    );
    offset += 61_000;
    await pause(QUIET_MS);
    const after = await settled(t, e.id, 3);
    expect(after.filter((r) => r.fallbackOf === wa.id)).toHaveLength(1);
    expect(smsTo(e.phone)).toHaveLength(1);
    expect(whatsAppTo(e.phone)).toHaveLength(1);
  });

  it('a WhatsApp message DELIVERED before the timer runs out never falls back', async () => {
    const t = await tenantWithRule({ undeliveredAfterSeconds: 60 });
    const hook = await webhookOf(t);
    const e = await publish(t);
    const [wa] = (await settled(t, e.id, 2)).filter((r) => r.channel === 'WHATSAPP');
    expect(
      (
        await sendWhatsAppWebhook(
          hook.url,
          hook.secret,
          whatsappStatusPayload([{ id: wa.providerMessageId, status: 'delivered', recipientId: e.phone.slice(1) }]),
        )
      ).status,
    ).toBe(200);
    await eventually(async () =>
      expect((await settled(t, e.id, 2)).find((r) => r.channel === 'WHATSAPP').status).toBe('DELIVERED'),
    );
    offset += 61_000;
    await pause(QUIET_MS);
    expect(await settled(t, e.id, 2)).toHaveLength(2);
    expect(smsTo(e.phone)).toHaveLength(0);
  });

  it('a message still QUEUED (retry pending) when the timer runs out ends FAILED, refunded, and is never sent after its SMS', async () => {
    const t = await tenantWithRule({ credit: '1000', undeliveredAfterSeconds: 60 });
    await webhookOf(t);
    p.whatsapp.fail(1, 'timeout'); // unsure: retried only after the receipt grace, long after the timer
    const e = await publish(t);
    const wa = await eventually(async () => {
      const r = ok(await k.gql(t.admin, DELIVERIES, { e: e.id })).deliveries.edges.map((x: any) => x.node);
      const w = r.find((x: any) => x.channel === 'WHATSAPP');
      expect(w).toMatchObject({ status: 'QUEUED', attempts: 1 });
      expect(w.history.map((h: any) => h.status)).toEqual(['QUEUED', 'QUEUED']);
      return w;
    });
    offset += 61_000;
    const rows = await settled(t, e.id, 3);
    const failed = rows.find((r) => r.channel === 'WHATSAPP');
    expect(failed).toMatchObject({
      id: wa.id,
      status: 'FAILED',
      reason: 'UNDELIVERED: not delivered within 60 s; sent on SMS instead',
    });
    expect(rows.find((r) => r.channel === 'SMS')).toMatchObject({ status: 'SENT', fallbackOf: wa.id });
    offset += RECEIPT_GRACE_MS;
    await pause(QUIET_MS);
    expect((await settled(t, e.id, 3)).find((r) => r.channel === 'WHATSAPP').status).toBe('FAILED');
    expect(smsTo(e.phone)).toHaveLength(1);
    expect(whatsAppTo(e.phone)).toHaveLength(0);
    expect(p.whatsapp.attempts - p.whatsapp.webhooks.length).toBe(1);
    expect(ok(await k.gql(t.admin, 'query { creditBalance { balance } }')).creditBalance.balance).toBe('1000');
  });

  it('the fallback goes through the same gates: a patient who opted out of SMS gets nothing', async () => {
    const t = await tenantWithRule({ whatsApp: false });
    const phone = `+62813${randomInt(10_000_000, 99_999_999)}`;
    const input = sampleEvent('appointment.confirmed', { phone });
    const patientId = (input.data.patient as { id: string }).id;
    ok(
      await k.gql(
        t.admin,
        'mutation($p: String!) { setPatientPreference(input: { patientId: $p, channel: SMS, status: OPTED_OUT, evidence: "form 12" }) { patientId } }',
        { p: patientId },
      ),
    );
    ok(await k.gql(t.service, PUBLISH, { input }));
    const rows = await settled(t, input.id, 3);
    const wa = rows.find((r) => r.channel === 'WHATSAPP');
    expect(wa).toMatchObject({ status: 'SKIPPED', reason: 'WHATSAPP_DISABLED' });
    expect(rows.find((r) => r.channel === 'SMS')).toMatchObject({
      status: 'SKIPPED',
      reason: 'OPTED_OUT',
      fallbackOf: wa.id,
      attempts: 0,
    });
    await pause(QUIET_MS);
    expect(smsTo(phone)).toHaveLength(0);
    expect(await settled(t, input.id, 3)).toHaveLength(3);
  });
});
