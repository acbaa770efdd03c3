import { generateKey } from '../../src/crypto.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  enableWhatsApp,
  eventually,
  setTestPrices,
  startKabar,
  type TestKabar,
  type TestTenant,
} from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { postWhatsAppInbound, whatsAppSecret } from '../helpers/inbound.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// The patients' policy applied at dispatch, through the API with the fake providers: choices,
// category versus critical, opt-in required, an inbound BERHENTI, quiet hours across a restart.

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';
const DELIVERIES =
  'query($e: String) { deliveries(first: 50, filter: { eventId: $e }) { edges { node { id channel status reason patientId deferredUntil } } } }';
const SET =
  'mutation($input: PatientPreferenceInput!) { setPatientPreference(input: $input) { current { channel status } } }';
const WA_TOKEN = 'd360-key-0123456789';

/** Kabar's clock runs at real speed, shifted: a test moves it to a chosen time of day. */
let offset = 0;
const setClock = (iso: string) => (offset = Date.parse(iso) - Date.now());
let k: TestKabar;
let p: Providers;

// One key for every start: a restarted Kabar must decrypt the WhatsApp token it stored.
const KEY = generateKey();
async function start() {
  k = await startKabar({
    channels: p.channels,
    env: { ...p.env, KABAR_ENCRYPTION_KEY: KEY },
    now: () => new Date(Date.now() + offset),
  });
}

beforeAll(async () => {
  p = await startProviders();
  await start();
  await setTestPrices(k);
});
afterAll(async () => {
  await k.stop();
  await p.close();
});
beforeEach(() => {
  offset = 0;
  p.reset();
});

async function tenant(): Promise<TestTenant> {
  const t = await k.newTenant({ timezone: 'Asia/Jakarta' });
  await enableWhatsApp(k, t, { token: WA_TOKEN, credit: '100000', provider: p.whatsapp });
  return t;
}

/** Publishes an event for one patient (id and phone fixed) and waits until its deliveries leave QUEUED or are held. */
async function publish(
  t: TestTenant,
  type: string,
  patient: { id: string; phone: string },
  opts: { settled?: boolean } = {},
) {
  const e = sampleEvent(type, { phone: patient.phone });
  (e.data as any).patient = { ...(e.data as any).patient, id: patient.id };
  if ((e.data as any).affected) (e.data as any).affected[0].patient.id = patient.id;
  expect((await k.gql(t.service, PUBLISH, { input: e })).errors).toBeUndefined();
  return eventually(async () => {
    const rows = (await k.gql(t.admin, DELIVERIES, { e: e.id })).data.deliveries.edges.map((x: any) => x.node) as any[];
    expect(rows.length).toBeGreaterThan(0);
    if (opts.settled !== false) expect(rows.filter((r) => r.status === 'QUEUED' && !r.deferredUntil)).toEqual([]);
    return { id: e.id, rows };
  });
}
const on = (rows: any[], channel: string) =>
  rows.filter((r) => r.channel === channel).map((r) => ({ status: r.status, reason: r.reason }));
const sentTo = (phone: string) => p.whatsapp.received.filter((m) => m.to === phone.slice(1)).length;

describe("patients' choices at dispatch", () => {
  it('a channel opt-out skips that channel, even for a critical event; the other channels still go', async () => {
    const t = await tenant();
    const pt = { id: 'p-out', phone: '+6281200000001' };
    expect(
      (
        await k.gql(t.admin, SET, {
          input: { patientId: pt.id, channel: 'WHATSAPP', status: 'OPTED_OUT', evidence: 'form-1' },
        })
      ).errors,
    ).toBeUndefined();
    for (const type of ['appointment.confirmed', 'appointment.cancelled']) {
      const { rows } = await publish(t, type, pt);
      expect(on(rows, 'WHATSAPP')).toEqual([{ status: 'SKIPPED', reason: 'OPTED_OUT' }]);
      expect(on(rows, 'EMAIL')).toEqual([{ status: 'SENT', reason: null }]);
      expect(rows.every((r) => r.patientId === pt.id)).toBe(true);
    }
    expect(sentTo(pt.phone)).toBe(0);
  });

  it('a category opt-out mutes that category, but not a critical event', async () => {
    const t = await tenant();
    const pt = { id: 'p-cat', phone: '+6281200000002' };
    await k.gql(t.admin, SET, {
      input: { patientId: pt.id, channel: 'WHATSAPP', category: 'appointments', status: 'OPTED_OUT' },
    });
    expect(on((await publish(t, 'appointment.confirmed', pt)).rows, 'WHATSAPP')).toEqual([
      { status: 'SKIPPED', reason: 'OPTED_OUT' },
    ]);
    expect(on((await publish(t, 'appointment.rescheduled', pt)).rows, 'WHATSAPP')).toEqual([
      { status: 'SENT', reason: null },
    ]);
    expect(on((await publish(t, 'prescription.ready', pt)).rows, 'WHATSAPP')).toEqual([
      { status: 'SENT', reason: null },
    ]);
    expect(sentTo(pt.phone)).toBe(2);
  });

  it('with WhatsApp_Require_OptIn=1, WhatsApp goes only after an opt-in, and no credit is spent before', async () => {
    const t = await tenant();
    await k.gql(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Require_OptIn", value: "1") { key } }');
    const pt = { id: 'p-consent', phone: '+6281200000003' };
    expect(on((await publish(t, 'report.ready', pt)).rows, 'WHATSAPP')).toEqual([
      { status: 'SKIPPED', reason: 'NO_CONSENT' },
    ]);
    expect((await k.gql(t.admin, 'query { creditBalance { balance } }')).data.creditBalance.balance).toBe('100000');
    await k.gql(t.support, SET, {
      input: { patientId: pt.id, channel: 'WHATSAPP', status: 'OPTED_IN', evidence: 'consent form 88' },
    });
    expect(on((await publish(t, 'report.ready', pt)).rows, 'WHATSAPP')).toEqual([{ status: 'SENT', reason: null }]);
    expect(sentTo(pt.phone)).toBe(1);
  });

  it('an inbound BERHENTI opts the number out: the next WhatsApp message is skipped; MULAI reverses it', async () => {
    const t = await tenant();
    const pt = { id: 'p-reply', phone: '+6281200000004' };
    await publish(t, 'patient.registered', pt); // the directory learns the number
    expect(sentTo(pt.phone)).toBe(1);
    const secret = await whatsAppSecret(k, p, t.id);
    expect((await postWhatsAppInbound(k, t.id, secret, pt.phone, { text: ' Berhenti. ' })).res.status).toBe(200);
    await eventually(() => expect(p.whatsapp.texts.filter((m) => m.to === pt.phone.slice(1))).toHaveLength(1));
    expect(on((await publish(t, 'appointment.confirmed', pt)).rows, 'WHATSAPP')).toEqual([
      { status: 'SKIPPED', reason: 'OPTED_OUT' },
    ]);
    await postWhatsAppInbound(k, t.id, secret, pt.phone, { text: 'MULAI' });
    await eventually(() => expect(p.whatsapp.texts.filter((m) => m.to === pt.phone.slice(1))).toHaveLength(2));
    expect(on((await publish(t, 'appointment.confirmed', pt)).rows, 'WHATSAPP')).toEqual([
      { status: 'SENT', reason: null },
    ]);
    expect(sentTo(pt.phone)).toBe(2);
  });
});

describe('quiet hours', () => {
  it('holds a non-critical message until the window ends, across a restart; a critical one goes at once', async () => {
    const t = await tenant();
    await k.gql(t.admin, 'mutation { setReferenceData(key: "Quiet_Hours", value: "21:00-07:00") { key } }');
    setClock('2026-12-03T15:00:00Z'); // 22:00 in Jakarta
    const pt = { id: 'p-night', phone: '+6281200000005' };
    const held = await publish(t, 'report.ready', pt, { settled: false });
    const critical = await publish(t, 'appointment.cancelled', pt);
    expect(on(critical.rows, 'WHATSAPP')).toEqual([{ status: 'SENT', reason: null }]);
    await new Promise((r) => setTimeout(r, 700)); // a few sweeps: nothing is released early
    const waiting = (await k.gql(t.admin, DELIVERIES, { e: held.id })).data.deliveries.edges.map((x: any) => x.node);
    expect(
      waiting
        .map((r: any) => ({ channel: r.channel, status: r.status, deferredUntil: r.deferredUntil }))
        .sort((a: any, b: any) => a.channel.localeCompare(b.channel)),
    ).toEqual([
      { channel: 'EMAIL', status: 'QUEUED', deferredUntil: '2026-12-04T00:00:00.000Z' },
      { channel: 'WHATSAPP', status: 'QUEUED', deferredUntil: '2026-12-04T00:00:00.000Z' },
    ]);
    expect(sentTo(pt.phone)).toBe(1);
    const balance = (await k.gql(t.admin, 'query { creditBalance { balance } }')).data.creditBalance.balance;
    await k.stop(); // the hold is durable: a new process releases it
    setClock('2026-12-04T00:00:00Z');
    await start();
    await eventually(async () => {
      const rows = (await k.gql(t.admin, DELIVERIES, { e: held.id })).data.deliveries.edges.map((x: any) => x.node);
      expect(rows.map((r: any) => r.status)).toEqual(['SENT', 'SENT']);
    });
    expect(sentTo(pt.phone)).toBe(2);
    // Charged at release, once: the price of one message.
    const after = (await k.gql(t.admin, 'query { creditBalance { balance } }')).data.creditBalance.balance;
    expect(Number(balance) - Number(after)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(sentTo(pt.phone)).toBe(2);
  });
});
