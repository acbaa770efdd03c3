import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenant.js';
import { eq } from 'drizzle-orm';
import { deliveries, inboundMessages, patientPreferences } from '../../src/schema/index.js';
import { sendWhatsAppWebhook, whatsappInboundPayload } from '../fakes/whatsapp.js';
import {
  enableWhatsApp,
  eventually,
  setTestPrices,
  startKabar,
  type TestKabar,
  type TestTenant,
} from '../helpers/app.js';
import { ensurePatients, historyOf, postSmsInbound, postWhatsAppInbound, whatsAppSecret } from '../helpers/inbound.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// Patients writing back: a keyword over WhatsApp or SMS opts the number out of (or back into)
// that channel for every patient who uses it, with one confirmation in their language; any other
// text is recorded and acknowledged; replays and forged calls change nothing.

const WA_TOKEN = 'd360-key-inbound-0123';
const DELIVERIES = `query($e: String) { deliveries(first: 10, filter: { eventId: $e }) { totalCount edges { node {
  id eventType channel recipient recipientKind language status reason cost renderedBody history { status } } } } }`;

describe('inbound keywords', () => {
  let k: TestKabar;
  let p: Providers;

  beforeAll(async () => {
    p = await startProviders();
    k = await startKabar({ channels: p.channels, env: p.env });
    await setTestPrices(k);
  });
  afterAll(async () => {
    await k.stop();
    await p.close();
  });

  /** A fresh number per test: the fakes are shared by the file's tests. */
  const number = () => `+628${Math.floor(1e9 + Math.random() * 9e9)}`;
  const patientId = () => `p-${randomBytes(4).toString('hex')}`;

  async function readyTenant(defaultLanguage: 'ID' | 'EN' | 'FR', name = `RS ${randomBytes(3).toString('hex')}`) {
    const t = await k.newTenant({ defaultLanguage, name });
    await enableWhatsApp(k, t, { token: WA_TOKEN, credit: '100000', provider: p.whatsapp });
    return { t, name, secret: await whatsAppSecret(k, p, t.id) };
  }

  const scope = (t: TestTenant) => ({ db: k.app.db, actor: 'test', tenantId: t.id });
  const inboundRows = (t: TestTenant) => withTenant(scope(t), (s) => s.tx.select().from(inboundMessages));
  const preferenceRows = (t: TestTenant) => withTenant(scope(t), (s) => s.tx.select().from(patientPreferences));
  const balance = async (t: TestTenant) =>
    (await k.gql(t.admin, 'query { creditBalance { balance } }')).data.creditBalance.balance as string;
  const ledgerSize = async (t: TestTenant) =>
    (await k.gql(t.admin, 'query { creditTransactions(first: 100) { edges { node { kind } } } }')).data
      .creditTransactions.edges.length as number;
  const textsTo = (phone: string) => p.whatsapp.texts.filter((m) => m.to === phone.slice(1));
  const smsTo = (phone: string) => p.sms.received.filter((m) => m.to === phone);

  /** The confirmation delivery of an inbound message, once it has left QUEUED. */
  async function confirmation(t: TestTenant, providerMessageId: string, status = 'SENT') {
    return eventually(async () => {
      const res = await k.gql(t.admin, DELIVERIES, { e: `inbound:${providerMessageId}` });
      expect(res.data.deliveries.totalCount).toBe(1);
      const row = res.data.deliveries.edges[0].node;
      expect(row.status).toBe(status);
      return row;
    });
  }
  const confirmations = async (t: TestTenant, providerMessageId: string) =>
    (await k.gql(t.admin, DELIVERIES, { e: `inbound:${providerMessageId}` })).data.deliveries.totalCount as number;
  /** Longer than several retry-sweep periods (250 ms): a wrongly queued second message would have gone. */
  const quiet = () => new Promise((r) => setTimeout(r, 1000));

  it('BERHENTI over WhatsApp from a number two patients use: both opted out, one Indonesian text, not charged', async () => {
    const { t, name, secret } = await readyTenant('EN');
    const phone = number();
    const [siti, budi] = [patientId(), patientId()];
    await ensurePatients(k, t.id, [
      { id: siti, name: 'Siti', phone, language: 'ID' },
      { id: budi, name: 'Budi', phone, language: 'ID' },
    ]);
    const before = { balance: await balance(t), ledger: await ledgerSize(t) };

    const { wamid, res, body } = await postWhatsAppInbound(k, t.id, secret, phone, { text: 'BERHENTI' });
    expect(res.status).toBe(200);
    expect(body).toEqual({ ok: true, applied: 0, received: 1 });

    for (const id of [siti, budi]) {
      const rows = await historyOf(k, t.id, id);
      expect(
        rows.map((r) => ({
          channel: r.channel,
          category: r.category,
          status: r.status,
          source: r.source,
          evidence: r.evidence,
          actor: r.actor,
        })),
      ).toEqual([
        {
          channel: 'WHATSAPP',
          category: null,
          status: 'OPTED_OUT',
          source: 'inbound:whatsapp',
          evidence: wamid,
          actor: phone,
        },
      ]);
    }
    expect(
      (await inboundRows(t)).map((r) => ({
        channel: r.channel,
        providerMessageId: r.providerMessageId,
        sender: r.sender,
        body: r.body,
        action: r.action,
      })),
    ).toEqual([
      { channel: 'WHATSAPP', providerMessageId: wamid, sender: phone, body: 'BERHENTI', action: 'OPTED_OUT' },
    ]);

    const text = `Anda tidak akan lagi menerima pesan dari ${name} melalui WhatsApp. Balas MULAI untuk berlangganan kembali.`;
    const row = await confirmation(t, wamid);
    expect(row).toMatchObject({
      eventType: 'patient.keyword_reply',
      channel: 'WHATSAPP',
      recipient: phone,
      recipientKind: 'patient',
      language: 'ID',
      cost: null,
      renderedBody: text,
    });
    expect(row.history.map((h: any) => h.status)).toEqual(['QUEUED', 'SENT']);
    await quiet();
    expect(textsTo(phone)).toHaveLength(1);
    expect(textsTo(phone)[0]).toMatchObject({
      apiKey: WA_TOKEN,
      text,
      body: {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: phone.slice(1),
        type: 'text',
        text: { body: text },
      },
    });
    expect(p.whatsapp.received.filter((m) => m.to === phone.slice(1))).toHaveLength(0);
    expect({ balance: await balance(t), ledger: await ledgerSize(t) }).toEqual(before);
  });

  it('STOP over SMS: opted out of SMS only, English confirmation at the SMS provider, empty TwiML answer', async () => {
    const { t, name } = await readyTenant('ID');
    const phone = number();
    const ana = patientId();
    await ensurePatients(k, t.id, [{ id: ana, name: 'Ana', phone, language: 'EN' }]);

    const { sid, res, text } = await postSmsInbound(k, p, t.id, phone, ' stop! ');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');

    expect(
      (await historyOf(k, t.id, ana)).map((r) => ({
        channel: r.channel,
        category: r.category,
        status: r.status,
        source: r.source,
        evidence: r.evidence,
        actor: r.actor,
      })),
    ).toEqual([
      { channel: 'SMS', category: null, status: 'OPTED_OUT', source: 'inbound:sms', evidence: sid, actor: phone },
    ]);
    const reply = `You will no longer receive messages from ${name} on SMS. Reply START to subscribe again.`;
    const row = await confirmation(t, sid);
    expect(row).toMatchObject({ channel: 'SMS', recipient: phone, language: 'EN', cost: null, renderedBody: reply });
    await quiet();
    expect(smsTo(phone).map((m) => m.body)).toEqual([reply]);
    expect(textsTo(phone)).toHaveLength(0);
    expect((await inboundRows(t)).map((r) => [r.channel, r.providerMessageId, r.action])).toEqual([
      ['SMS', sid, 'OPTED_OUT'],
    ]);
  });

  it('START and MULAI opt back in: the later choice is an OPTED_IN row, each answered', async () => {
    const { t, name, secret } = await readyTenant('ID');
    const phone = number();
    const rina = patientId();
    await ensurePatients(k, t.id, [{ id: rina, name: 'Rina', phone, language: 'FR' }]);

    const out = await postWhatsAppInbound(k, t.id, secret, phone, { text: 'Arrêt.' });
    await confirmation(t, out.wamid);
    const back = await postWhatsAppInbound(k, t.id, secret, phone, { type: 'button', text: 'Mulai' });
    await confirmation(t, back.wamid);
    const smsOut = await postSmsInbound(k, p, t.id, phone, 'STOP');
    await confirmation(t, smsOut.sid);
    const smsBack = await postSmsInbound(k, p, t.id, phone, 'Start');
    await confirmation(t, smsBack.sid);

    expect((await historyOf(k, t.id, rina)).map((r) => [r.channel, r.status, r.evidence])).toEqual([
      ['WHATSAPP', 'OPTED_OUT', out.wamid],
      ['WHATSAPP', 'OPTED_IN', back.wamid],
      ['SMS', 'OPTED_OUT', smsOut.sid],
      ['SMS', 'OPTED_IN', smsBack.sid],
    ]);
    await quiet();
    expect(textsTo(phone).map((m) => m.text)).toEqual([
      `Vous ne recevrez plus de messages de ${name} par WhatsApp. Répondez DÉMARRER pour vous réabonner.`,
      `Vous recevrez à nouveau les messages de ${name} par WhatsApp. Répondez ARRÊT pour vous désabonner.`,
    ]);
    expect(smsTo(phone).map((m) => m.body)).toEqual([
      `Vous ne recevrez plus de messages de ${name} par SMS. Répondez DÉMARRER pour vous réabonner.`,
      `Vous recevrez à nouveau les messages de ${name} par SMS. Répondez ARRÊT pour vous désabonner.`,
    ]);
  });

  it('any other text is recorded and acknowledged: no choice, no confirmation', async () => {
    const { t, secret } = await readyTenant('ID');
    const phone = number();
    const dewi = patientId();
    await ensurePatients(k, t.id, [{ id: dewi, name: 'Dewi', phone, language: 'ID' }]);

    const wa = await postWhatsAppInbound(k, t.id, secret, phone, { text: 'hello, what time is my appointment?' });
    expect(wa.res.status).toBe(200);
    expect(wa.body).toEqual({ ok: true, applied: 0, received: 1 });
    const sms = await postSmsInbound(k, p, t.id, phone, 'Please stop calling me so early');
    expect(sms.res.status).toBe(200);

    expect((await inboundRows(t)).map((r) => [r.channel, r.providerMessageId, r.body, r.action]).sort()).toEqual([
      ['SMS', sms.sid, 'Please stop calling me so early', null],
      ['WHATSAPP', wa.wamid, 'hello, what time is my appointment?', null],
    ]);
    expect(await preferenceRows(t)).toEqual([]);
    expect(await confirmations(t, wa.wamid)).toBe(0);
    expect(await confirmations(t, sms.sid)).toBe(0);
    await quiet();
    expect(textsTo(phone)).toHaveLength(0);
    expect(smsTo(phone)).toHaveLength(0);
  });

  it('replays change nothing; forged calls are 401 and record nothing', async () => {
    const { t, secret } = await readyTenant('ID');
    const phone = number();
    const eka = patientId();
    await ensurePatients(k, t.id, [{ id: eka, name: 'Eka', phone, language: 'ID' }]);
    const url = `${k.url.replace(/\/graphql$/, '')}/webhooks/whatsapp/${t.id}`;
    const snapshot = async () => ({
      inbound: (await inboundRows(t)).length,
      prefs: (await preferenceRows(t)).length,
      texts: textsTo(phone).length,
      sms: smsTo(phone).length,
    });

    // Forged first: they must not record anything, nor make the genuine calls look like replays.
    const payload = whatsappInboundPayload(phone.slice(1), [{ text: 'STOP' }]);
    const wamid = (payload.entry as any)[0].changes[0].value.messages[0].id as string;
    for (const forged of [null, 'wrong-secret', `${secret}x`]) {
      const res = await sendWhatsAppWebhook(url, forged, payload);
      expect(res.status).toBe(401);
    }
    const smsUrl = `${k.url.replace(/\/graphql$/, '')}/webhooks/sms/${t.id}/inbound`;
    const smsParams = {
      MessageSid: `SM${randomBytes(16).toString('hex')}`,
      From: phone,
      To: '+15005550006',
      Body: 'STOP',
    };
    for (const signature of [null, 'forged', 'GvWf1cFY/Q7PnoempGyD5oXAezc=']) {
      const res = await fetch(smsUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(signature ? { 'x-twilio-signature': signature } : {}),
        },
        body: new URLSearchParams(smsParams).toString(),
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'invalid signature' });
    }
    await quiet();
    expect(await snapshot()).toEqual({ inbound: 0, prefs: 0, texts: 0, sms: 0 });

    // Genuine, then replayed: the same body, and the same wamid in another envelope.
    const first = await sendWhatsAppWebhook(url, secret, payload);
    expect(await first.json()).toEqual({ ok: true, applied: 0, received: 1 });
    await confirmation(t, wamid);
    const replay = await sendWhatsAppWebhook(url, secret, payload);
    expect(await replay.json()).toEqual({ ok: true, applied: 0, replay: true });
    const again = await postWhatsAppInbound(k, t.id, secret, phone, { id: wamid, text: 'STOP' });
    expect(again.body).toEqual({ ok: true, applied: 0 });

    const sms = await postSmsInbound(k, p, t.id, phone, 'STOP', smsParams.MessageSid);
    expect(sms.res.status).toBe(200);
    await confirmation(t, sms.sid);
    const smsReplay = await postSmsInbound(k, p, t.id, phone, 'STOP', smsParams.MessageSid);
    expect(smsReplay.res.status).toBe(200);
    // Same MessageSid, another body (a new signature, so not the same call): still that message.
    const smsResent = await postSmsInbound(k, p, t.id, phone, 'BERHENTI', smsParams.MessageSid);
    expect(smsResent.res.status).toBe(200);

    await quiet();
    expect(await snapshot()).toEqual({ inbound: 2, prefs: 2, texts: 1, sms: 1 });
    expect(await confirmations(t, wamid)).toBe(1);
    expect(await confirmations(t, sms.sid)).toBe(1);
  });

  it('a number no patient uses: recorded and answered in the tenant’s language, no choice', async () => {
    const { t, name, secret } = await readyTenant('FR');
    const phone = number();
    const wa = await postWhatsAppInbound(k, t.id, secret, phone, { type: 'interactive', title: 'STOP' });
    expect(wa.body).toEqual({ ok: true, applied: 0, received: 1 });
    const row = await confirmation(t, wa.wamid);
    const text = `Vous ne recevrez plus de messages de ${name} par WhatsApp. Répondez DÉMARRER pour vous réabonner.`;
    expect(row).toMatchObject({ recipient: phone, recipientKind: 'patient', language: 'FR', renderedBody: text });
    // Not exposed by the API: read straight from the row.
    const stored = await withTenant(scope(t), (s) =>
      s.tx
        .select({ recipientRef: deliveries.recipientRef, patientId: deliveries.patientId })
        .from(deliveries)
        .where(eq(deliveries.eventId, `inbound:${wa.wamid}`)),
    );
    expect(stored).toEqual([{ recipientRef: `contact:${phone}`, patientId: null }]);
    expect((await inboundRows(t)).map((r) => [r.sender, r.action])).toEqual([[phone, 'OPTED_OUT']]);
    expect(await preferenceRows(t)).toEqual([]);
    await quiet();
    expect(textsTo(phone).map((m) => m.text)).toEqual([text]);
  });

  it('with WhatsApp switched off, the choice still holds and the confirmation is written SKIPPED', async () => {
    const { t, secret } = await readyTenant('ID');
    const phone = number();
    const joko = patientId();
    await ensurePatients(k, t.id, [{ id: joko, name: 'Joko', phone, language: 'ID' }]);
    await k.gql(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "0") { key } }');
    const wa = await postWhatsAppInbound(k, t.id, secret, phone, { text: 'berhenti' });
    const row = await confirmation(t, wa.wamid, 'SKIPPED');
    expect(row).toMatchObject({ reason: 'WHATSAPP_DISABLED', cost: null });
    expect(row.history.map((h: any) => h.status)).toEqual(['QUEUED', 'SKIPPED']);
    expect((await historyOf(k, t.id, joko)).map((r) => r.status)).toEqual(['OPTED_OUT']);
    await quiet();
    expect(textsTo(phone)).toHaveLength(0);
  });
});
