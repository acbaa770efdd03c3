import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSnsSigner, sendSesEvent, sesBounceMessage, sesDeliveryMessage } from '../fakes/sns.js';
import { enableReceipts } from '../fakes/receipts.js';
import { sendWhatsAppWebhook, whatsappStatusPayload } from '../fakes/whatsapp.js';
import {
  enableWhatsApp,
  eventually,
  platformToken,
  setTestPrices,
  startKabar,
  type TestKabar,
  type TestTenant,
} from '../helpers/app.js';
import { sampleData, sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted duplicate } }';
const DELIVERIES = `query($e: String) { deliveries(first: 100, filter: { eventId: $e }) { totalCount edges { node {
  id eventType channel recipient recipientKind language status reason providerMessageId cost renderedBody history { status reason } } } } }`;
const WA_TOKEN = 'd360-key-0123456789';
/** How long a timed-out send waits for its receipt before it is sent again (KABAR_RECEIPT_GRACE_MS). */
const RECEIPT_GRACE_MS = 3000;

describe('dispatch: events become delivered, charged, tracked messages', () => {
  let k: TestKabar;
  let p: Providers;
  let platform: string;
  const sns = createSnsSigner();

  beforeAll(async () => {
    p = await startProviders();
    k = await startKabar({
      channels: p.channels,
      env: { ...p.env, KABAR_RETRY_BASE_MS: '50', KABAR_RECEIPT_GRACE_MS: String(RECEIPT_GRACE_MS) },
      snsFetchCert: (url) => sns.fetchCert(url),
    });
    platform = await platformToken();
    await setTestPrices(k);
  });
  afterAll(async () => {
    await k.stop();
    await p.close();
  });
  beforeEach(() => p.reset());

  /** A tenant with WhatsApp on, configured and paid for, and staff in every department. */
  async function readyTenant(credit = '100000', language: 'ID' | 'EN' | 'FR' = 'ID'): Promise<TestTenant> {
    const t = await k.newTenant({ defaultLanguage: language });
    await enableWhatsApp(k, t, { token: WA_TOKEN, credit, provider: p.whatsapp });
    for (const [name, dept, email] of [
      ['Rina', 'billing', 'rina@rs.example'],
      ['Fajar', 'finance', 'fajar@rs.example'],
      ['Wati', 'lab', 'wati@rs.example'],
      ['Admin', 'admin', 'admin@rs.example'],
      ['Agus', 'accounts', 'agus@rs.example'],
    ]) {
      await k.gql(
        t.admin,
        `mutation { upsertStaffMember(input: { name: "${name}", email: "${email}", departments: ["${dept}"], language: EN }) { id } }`,
      );
    }
    return t;
  }

  async function publish(t: TestTenant, type: string, data?: Record<string, unknown>) {
    const input = { ...sampleEvent(type), ...(data ? { data } : {}) };
    const res = await k.gql(t.service, PUBLISH, { input });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return input;
  }

  /** Waits until every delivery of the event has left QUEUED, and returns them. */
  async function settled(t: TestTenant, eventId: string, expected?: number) {
    return eventually(async () => {
      const res = await k.gql(t.admin, DELIVERIES, { e: eventId });
      const rows = res.data.deliveries.edges.map((e: any) => e.node);
      expect(rows.length).toBeGreaterThan(0);
      if (expected !== undefined) expect(rows).toHaveLength(expected);
      expect(rows.every((r: any) => r.status !== 'QUEUED')).toBe(true);
      return rows as any[];
    });
  }

  it("appointment.confirmed: WhatsApp and email in the patient's language, WhatsApp charged at the effective price", async () => {
    const t = await readyTenant();
    const e = await publish(t, 'appointment.confirmed');
    const rows = await settled(t, e.id, 2);
    const wa = rows.find((r) => r.channel === 'WHATSAPP');
    const email = rows.find((r) => r.channel === 'EMAIL');
    expect(wa).toMatchObject({
      status: 'SENT',
      recipient: '+6281234567890',
      language: 'ID',
      cost: '350.5',
      recipientKind: 'patient',
    });
    expect(email).toMatchObject({ status: 'SENT', recipient: 'siti@example.id', language: 'ID', cost: null });
    expect(wa.history.map((h: any) => h.status)).toEqual(['QUEUED', 'SENT']);

    expect(p.whatsapp.received).toHaveLength(1);
    const sent = p.whatsapp.received[0]!;
    expect(sent).toMatchObject({
      apiKey: WA_TOKEN,
      to: '6281234567890',
      templateName: 'kabar_appointment_confirmed',
      language: 'id',
    });
    expect(sent.parameters).toContain('Siti Rahma');
    expect(wa.providerMessageId).toBe(sent.messageId);
    expect(p.ses.received).toHaveLength(1);
    expect(p.ses.received[0]).toMatchObject({ to: ['siti@example.id'], source: 'no-reply@klinik.example' });
    expect(p.ses.received[0]!.text).toContain('Siti Rahma');
    expect(p.ses.received[0]!.text).toContain((e.data as any).appointment.bookingReference);
    expect(p.ses.received[0]!.html).toContain('<p>');
    for (const text of [wa.renderedBody, email.renderedBody]) expect(text).not.toMatch(/undefined|null|\{\{/);
    // Each move to SENT is audited once, by the system, with where it came from.
    const audit = await k.gql(
      t.admin,
      'query { auditLog(first: 10, filter: { action: "delivery.sent" }) { edges { node { actor entityType entityId details } } } }',
    );
    const entries = audit.data.auditLog.edges
      .map((e: any) => e.node)
      .sort((a: any, b: any) => a.details.channel.localeCompare(b.details.channel));
    expect(entries).toEqual(
      [email, wa].map((d) => ({
        actor: 'system',
        entityType: 'delivery',
        entityId: d.id,
        details: { from: 'QUEUED', to: 'SENT', reason: null, channel: d.channel, eventId: e.id },
      })),
    );

    const balance = await k.gql(
      t.admin,
      'query { creditBalance { balance } creditTransactions(first: 5) { edges { node { kind amount deliveryId } } } }',
    );
    expect(balance.data.creditBalance.balance).toBe(new Decimal('100000').minus('350.5').toFixed());
    expect(balance.data.creditTransactions.edges[0].node).toMatchObject({
      kind: 'DEBIT',
      amount: '-350.5',
      deliveryId: wa.id,
    });
  });

  it('renders every patient event type on its default channels without a missing value', async () => {
    const t = await readyTenant();
    const types = [
      'appointment.pending_approval',
      'appointment.rejected',
      'appointment.cancelled',
      'appointment.rescheduled',
      'appointment.completed',
      'appointment.no_show',
      'walkin.token_called',
      'prescription.ready',
      'report.ready',
      'patient.registered',
    ];
    const channelsOf: Record<string, string[]> = {
      'appointment.completed': ['EMAIL'],
      'appointment.no_show': ['WHATSAPP'],
      'walkin.token_called': ['SMS', 'PUSH'],
    };
    for (const type of types) {
      const data = sampleData(type, { pushTokens: ['device-token-1'] });
      const e = await publish(t, type, data);
      const rows = await settled(t, e.id);
      const expected = channelsOf[type] ?? ['WHATSAPP', 'EMAIL'];
      expect(rows.map((r) => r.channel).sort(), type).toEqual([...expected].sort());
      for (const r of rows) {
        expect(r.status, `${type} ${r.channel}: ${r.reason}`).toBe('SENT');
        expect(r.renderedBody, type).not.toMatch(/undefined|null|\{\{|\}\}/);
        expect(r.language).toBe('ID');
      }
    }
    const sms = p.sms.received.find((m) => m.body.includes('A-017'));
    expect(sms).toMatchObject({ to: '+6281234567890' });
    // The callback names the delivery, so a receipt can settle a send whose answer was lost.
    const [base, query] = sms!.statusCallback!.split('?');
    expect(base).toBe(`${k.url.replace('/graphql', '')}/webhooks/sms/${t.id}`);
    expect(query).toMatch(/^delivery=[0-9a-f-]{36}$/);
    expect(p.fcm.received.some((m) => m.token === 'device-token-1' && m.body?.includes('A-017'))).toBe(true);
  });

  it('uses the patient language, else the tenant default', async () => {
    const t = await readyTenant('100000', 'FR');
    const en = await publish(t, 'report.ready', sampleData('report.ready', { language: 'en' }));
    const none = sampleData('report.ready');
    delete (none.patient as any).language;
    const fr = await publish(t, 'report.ready', none);
    expect((await settled(t, en.id)).every((r) => r.language === 'EN')).toBe(true);
    expect((await settled(t, fr.id)).every((r) => r.language === 'FR')).toBe(true);
  });

  it('doctor.emergency_leave fans out to every affected patient with their refund and reschedule link', async () => {
    const t = await readyTenant();
    const e = await publish(t, 'doctor.emergency_leave');
    const rows = await settled(t, e.id, 4);
    const budi = rows.find((r) => r.channel === 'EMAIL' && r.recipient === 'budi@example.id');
    expect(budi.language).toBe('EN');
    expect(budi.renderedBody).toContain('https://klinik.example/reschedule/a2');
    expect(budi.renderedBody).toMatch(/200[.,]000/);
    const siti = rows.find((r) => r.channel === 'EMAIL' && r.recipient === 'siti@example.id');
    expect(siti.renderedBody).toContain('https://klinik.example/reschedule/a1');
  });

  it('staff events go to the staff the routing rules choose, else the default department', async () => {
    const t = await readyTenant();
    const bill = await publish(t, 'billing.bill_generated');
    const rows = await settled(t, bill.id, 1);
    expect(rows[0]).toMatchObject({
      channel: 'EMAIL',
      recipient: 'rina@rs.example',
      recipientKind: 'staff',
      language: 'EN',
      status: 'SENT',
    });
    expect(rows[0].renderedBody).toContain('INV-2026-0042');

    const staff = await k.gql(
      t.admin,
      'mutation { upsertStaffMember(input: { name: "Dewi", email: "dewi@rs.example", phone: "+6281377778888", departments: ["pharmacy"] }) { id } }',
    );
    await k.gql(
      t.admin,
      `mutation { upsertRoutingRule(input: { name: "Refunds to Dewi and finance", eventPattern: "billing.*", departments: ["finance"], staffIds: ["${staff.data.upsertStaffMember.id}"], channels: [EMAIL, SMS], priority: 10 }) { id } }`,
    );
    const refund = await publish(t, 'billing.refund_processed');
    const routed = await settled(t, refund.id);
    // Fajar (finance) has no phone: his SMS is a NO_CONTACT skip addressed to him by his staff id,
    // taken from the staff list, not from the routing's own output.
    const fajar = (await k.gql(t.admin, 'query { staffMembers { id name } }')).data.staffMembers.find(
      (s: any) => s.name === 'Fajar',
    ).id;
    expect(routed.map((r) => `${r.channel}:${r.recipient}:${r.status}:${r.reason}`).sort()).toEqual(
      [
        'EMAIL:dewi@rs.example:SENT:null',
        'EMAIL:fajar@rs.example:SENT:null',
        'SMS:+6281377778888:SENT:null',
        `SMS:staff:${fajar}:SKIPPED:NO_CONTACT`,
      ].sort(),
    );
  });

  it('records every skip with its reason: channel disabled, no contact, WhatsApp off or unconfigured', async () => {
    const t = await readyTenant();
    await k.gql(
      t.admin,
      'mutation { setEventChannels(eventType: "report.ready", channels: [WHATSAPP, EMAIL], enabled: false) { enabled } }',
    );
    const disabled = await settled(t, (await publish(t, 'report.ready')).id, 2);
    expect(disabled.every((r) => r.status === 'SKIPPED' && r.reason === 'CHANNEL_DISABLED')).toBe(true);

    const noEmail = sampleData('prescription.ready');
    delete (noEmail.patient as any).email;
    const rows = await settled(t, (await publish(t, 'prescription.ready', noEmail)).id, 2);
    expect(rows.find((r) => r.channel === 'EMAIL')).toMatchObject({ status: 'SKIPPED', reason: 'NO_CONTACT' });
    const whatsAppBefore = p.whatsapp.received.length;

    await k.gql(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "0") { key } }');
    const off = await settled(t, (await publish(t, 'appointment.no_show')).id, 1);
    expect(off[0]).toMatchObject({ status: 'SKIPPED', reason: 'WHATSAPP_DISABLED', cost: null });

    await k.gql(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { key } }');
    await k.gql(
      t.admin,
      'mutation { upsertWhatsAppConfig(input: { senderNumber: "+6281100000000", country: "ID", currency: "IDR", isActive: false }) { isActive } }',
    );
    const inactive = await settled(t, (await publish(t, 'appointment.no_show')).id, 1);
    expect(inactive[0]).toMatchObject({ status: 'SKIPPED', reason: 'WHATSAPP_NOT_CONFIGURED' });
    expect(p.whatsapp.received).toHaveLength(whatsAppBefore);
  });

  it('insufficient credit skips WhatsApp and alerts the administrators at most once an hour', async () => {
    const t = await readyTenant('500');
    const first = await settled(t, (await publish(t, 'appointment.no_show')).id, 1);
    expect(first[0]).toMatchObject({ status: 'SENT', cost: '350.5' });
    const second = await settled(t, (await publish(t, 'appointment.no_show')).id, 1);
    expect(second[0]).toMatchObject({ status: 'SKIPPED', reason: 'INSUFFICIENT_CREDIT', cost: null });
    await settled(t, (await publish(t, 'appointment.no_show')).id, 1);
    const alertsQuery =
      'query { deliveries(filter: { eventType: "credit.insufficient" }) { totalCount edges { node { recipient status renderedBody } } } }';
    const alerts = await eventually(async () => {
      const res = await k.gql(t.admin, alertsQuery);
      expect(res.data.deliveries.totalCount).toBe(1);
      return res.data.deliveries.edges;
    });
    expect(alerts[0].node).toMatchObject({ recipient: 'admin@rs.example', status: 'SENT' });
    // At most once: `eventually` returns on the first match, so a second alert (from the third skip) arriving
    // a moment later would slip by. Wait, then count again: still exactly one alert.
    await new Promise((r) => setTimeout(r, 500));
    const later = await k.gql(t.admin, alertsQuery);
    expect(later.data.deliveries.totalCount).toBe(1);
    expect(later.data.deliveries.edges).toHaveLength(1);
    expect((await k.gql(t.admin, 'query { creditBalance { balance } }')).data.creditBalance.balance).toBe('149.5');
  });

  it('retries transient failures with backoff: one message at the provider, charged once', async () => {
    const t = await readyTenant();
    p.whatsapp.fail(2, '5xx');
    p.ses.fail(1, 'timeout');
    const e = await publish(t, 'appointment.confirmed');
    const rows = await settled(t, e.id, 2);
    for (const r of rows) expect(r.status).toBe('SENT');
    expect(p.whatsapp.received).toHaveLength(1);
    expect(p.whatsapp.attempts - p.whatsapp.webhooks.length).toBe(3); // two 5xx, then the send
    expect(p.ses.received.filter((m) => m.to[0] === 'siti@example.id')).toHaveLength(1); // the hung request never completed
    const wa = rows.find((r) => r.channel === 'WHATSAPP');
    expect(wa.history.filter((h: any) => h.status === 'QUEUED')).toHaveLength(3);
    const ledger = await k.gql(
      t.admin,
      'query { creditTransactions(first: 10) { edges { node { kind deliveryId } } } }',
    );
    expect(
      ledger.data.creditTransactions.edges.filter((x: any) => x.node.kind === 'DEBIT' && x.node.deliveryId === wa.id),
    ).toHaveLength(1);
  });

  it("a send that timed out but did arrive is settled by the provider's receipt, not sent twice", async () => {
    const t = await readyTenant();
    await eventually(() =>
      expect(p.whatsapp.webhooks.some((w) => w.url.endsWith(`/webhooks/whatsapp/${t.id}`))).toBe(true),
    );
    // The provider takes the message but answers after Kabar's timeout, and reports it a second later.
    enableReceipts(p, k.url, { delayMs: 1000 });
    try {
      p.whatsapp.fail(1, 'late');
      const [row] = await settled(t, (await publish(t, 'appointment.no_show')).id, 1);
      expect(row).toMatchObject({ status: 'SENT', providerMessageId: p.whatsapp.received[0]!.messageId });
      expect(row.history.map((h: any) => h.reason ?? h.status)).toEqual([
        'QUEUED',
        "attempt 1 failed (timeout after 500 ms); retrying unless the provider's receipt shows it arrived",
        'SENT',
      ]);
      // Past the grace, nothing was sent again.
      await new Promise((r) => setTimeout(r, RECEIPT_GRACE_MS + 1000));
      expect(p.whatsapp.received).toHaveLength(1);
    } finally {
      p.whatsapp.onAccepted = p.sms.onAccepted = p.ses.onAccepted = undefined;
    }
  });

  it('a permanent rejection fails with the provider reason and is refunded', async () => {
    const t = await readyTenant('1000');
    p.whatsapp.fail(1, 'permanent', 132001);
    const rows = await settled(t, (await publish(t, 'appointment.no_show')).id, 1);
    expect(rows[0].status).toBe('FAILED');
    expect(rows[0].reason).toContain('132001');
    const res = await k.gql(
      t.admin,
      'query { creditBalance { balance } creditTransactions(first: 5) { edges { node { kind amount } } } }',
    );
    expect(res.data.creditBalance.balance).toBe('1000');
    expect(res.data.creditTransactions.edges.map((e: any) => e.node.kind).slice(0, 2)).toEqual(['REFUND', 'DEBIT']);
  });

  it('WhatsApp status webhooks move a delivery forward, never backwards, and need the tenant secret', async () => {
    const t = await readyTenant();
    const registration = await eventually(() => {
      const r = p.whatsapp.webhooks.find((w) => w.url.endsWith(`/webhooks/whatsapp/${t.id}`));
      expect(r).toBeDefined();
      return r!;
    });
    const secret = registration.headers['X-Kabar-Webhook-Secret']!;
    expect(secret).toBeTruthy();
    const [row] = await settled(t, (await publish(t, 'appointment.no_show')).id, 1);
    const hook = `${k.url.replace('/graphql', '')}/webhooks/whatsapp/${t.id}`;
    const status = (s: string) =>
      whatsappStatusPayload([{ id: row.providerMessageId, status: s as any, recipientId: '6281234567890' }]);

    expect((await sendWhatsAppWebhook(hook, 'wrong-secret', status('read'))).status).toBe(401);
    expect((await sendWhatsAppWebhook(hook, null, status('read'))).status).toBe(401);
    expect(
      (await k.gql(t.admin, 'query($id: ID!) { delivery(id: $id) { status } }', { id: row.id })).data.delivery.status,
    ).toBe('SENT');

    expect((await sendWhatsAppWebhook(hook, secret, status('delivered'))).status).toBe(200);
    expect((await sendWhatsAppWebhook(hook, secret, status('sent'))).status).toBe(200); // late and out of order
    const after = await k.gql(t.admin, 'query($id: ID!) { delivery(id: $id) { status history { status } } }', {
      id: row.id,
    });
    expect(after.data.delivery.status).toBe('DELIVERED');
    expect(after.data.delivery.history.map((h: any) => h.status)).toEqual(['QUEUED', 'SENT', 'DELIVERED', 'SENT']);
    await sendWhatsAppWebhook(hook, secret, status('read'));
    expect(
      (await k.gql(t.admin, 'query($id: ID!) { delivery(id: $id) { status } }', { id: row.id })).data.delivery.status,
    ).toBe('READ');

    // Another tenant's webhook URL cannot touch this delivery, even with its own valid secret.
    const other = await readyTenant();
    const otherSecret = (
      await eventually(() => {
        const r = p.whatsapp.webhooks.find((w) => w.url.endsWith(other.id));
        expect(r).toBeDefined();
        return r!;
      })
    ).headers['X-Kabar-Webhook-Secret']!;
    const res = await sendWhatsAppWebhook(
      `${k.url.replace('/graphql', '')}/webhooks/whatsapp/${other.id}`,
      otherSecret,
      whatsappStatusPayload([{ id: row.providerMessageId, status: 'failed' as any, recipientId: '1' }]),
    );
    expect(((await res.json()) as any).applied).toBe(0);
  });

  it('SMS status callbacks are accepted only with a valid Twilio signature', async () => {
    const t = await readyTenant();
    const [sms] = (await settled(t, (await publish(t, 'walkin.token_called')).id)).filter((r) => r.channel === 'SMS');
    const base = k.url.replace('/graphql', '');
    const forged = await fetch(`${base}/webhooks/sms/${t.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' },
      body: `MessageSid=${sms.providerMessageId}&MessageStatus=delivered`,
    });
    expect(forged.status).toBe(401);
    const ok = await p.sms.sendStatus(sms.providerMessageId, 'delivered');
    expect(ok.status).toBe(200);
    await eventually(async () =>
      expect(
        (await k.gql(t.admin, 'query($id: ID!) { delivery(id: $id) { status } }', { id: sms.id })).data.delivery.status,
      ).toBe('DELIVERED'),
    );
  });

  it('SES events arrive through SNS: signed ones move the delivery, forged ones are rejected', async () => {
    const t = await readyTenant();
    const rows = await settled(t, (await publish(t, 'appointment.completed')).id, 1);
    const email = rows[0];
    const hook = `${k.url.replace('/graphql', '')}/webhooks/ses`;
    const message = { ...sesDeliveryMessage(email.providerMessageId, email.recipient) };
    const forged = sns.notification(message);
    forged.Message = JSON.stringify({ ...message, notificationType: 'Bounce' });
    expect(
      (
        await fetch(hook, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'x-amz-sns-message-type': 'Notification' },
          body: JSON.stringify(forged),
        })
      ).status,
    ).toBe(401);
    expect((await sendSesEvent(hook, sns, message, 2)).status).toBe(200);
    await eventually(async () =>
      expect(
        (await k.gql(t.admin, 'query($id: ID!) { delivery(id: $id) { status } }', { id: email.id })).data.delivery
          .status,
      ).toBe('DELIVERED'),
    );
    // A bounce after delivery is recorded but cannot undo it.
    await sendSesEvent(hook, sns, sesBounceMessage(email.providerMessageId, 'Permanent', 'General', email.recipient));
    const after = await k.gql(t.admin, 'query($id: ID!) { delivery(id: $id) { status history { status } } }', {
      id: email.id,
    });
    expect(after.data.delivery.status).toBe('DELIVERED');
    expect(after.data.delivery.history.map((h: any) => h.status)).toEqual(['QUEUED', 'SENT', 'DELIVERED', 'FAILED']);
  });

  it('credit purchase status changes notify the tenant administrators', async () => {
    const t = await readyTenant('0');
    const req = await k.gql(t.admin, 'mutation { requestCreditPurchase(amount: "250000") { id } }');
    const id = req.data.requestCreditPurchase.id;
    await k.gql(platform, 'mutation($id: ID!) { confirmCreditPurchase(id: $id, reference: "TRX-77") { status } }', {
      id,
    });
    await k.gql(platform, 'mutation($id: ID!) { confirmCreditPurchase(id: $id, reference: "TRX-77") { status } }', {
      id,
    }); // idempotent: no second notice
    const rows = await eventually(async () => {
      const res = await k.gql(
        t.admin,
        'query { deliveries(filter: { eventType: "credit.purchase_status", channel: EMAIL }) { edges { node { eventId recipient status renderedBody } } } }',
      );
      const r = res.data.deliveries.edges.map((e: any) => e.node);
      expect(r).toHaveLength(2);
      expect(r.every((x: any) => x.status === 'SENT')).toBe(true);
      return r;
    });
    expect(rows.map((r: any) => r.eventId).sort()).toEqual([
      `credit.purchase_status:${id}:PAID`,
      `credit.purchase_status:${id}:PENDING`,
    ]);
    expect(rows.every((r: any) => r.recipient === 'admin@rs.example')).toBe(true);
    expect(rows.find((r: any) => r.eventId.endsWith('PAID')).renderedBody).toMatch(/250[.,]000/);
  });

  it('escapes values in HTML email and keeps template syntax in values inert', async () => {
    const t = await readyTenant();
    const data = sampleData('appointment.completed');
    (data.patient as any).name = '<script>alert(1)</script> {{doctor.name}}';
    const [row] = await settled(t, (await publish(t, 'appointment.completed', data)).id, 1);
    const mail = p.ses.received.find((m) => m.messageId === row.providerMessageId)!;
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; {{doctor.name}}');
    expect(mail.html).not.toContain('<script>');
    expect(mail.text).toContain('<script>alert(1)</script> {{doctor.name}}');
  });

  it('POST /events accepts the same envelope (plain or CloudEvents) for the token tenant only', async () => {
    const t = await readyTenant();
    const base = k.url.replace('/graphql', '');
    const post = (token: string | null, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify(body),
      });
    const e = sampleEvent('appointment.completed');
    const ok = await post(t.service, { ...e, tenantId: t.id });
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ eventId: e.id, accepted: true, duplicate: false });
    await settled(t, e.id, 1);
    const ce = sampleEvent('appointment.completed');
    const cloud = await post(
      t.service,
      {
        specversion: '1.0',
        id: ce.id,
        source: '/booking',
        type: ce.type,
        time: ce.occurredAt,
        tenantid: t.id,
        data: ce.data,
      },
      { 'content-type': 'application/cloudevents+json' },
    );
    expect(cloud.status).toBe(202);
    await settled(t, ce.id, 1);
    expect((await post(null, { ...e, tenantId: t.id })).status).toBe(401);
    expect((await post(t.staff, { ...e, tenantId: t.id })).status).toBe(403);
    const other = await k.newTenant();
    expect((await post(t.service, { ...sampleEvent('report.ready'), tenantId: other.id })).status).toBe(403);
    const bad = await post(t.service, { ...sampleEvent('report.ready'), tenantId: t.id, type: 'report.exploded' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('every staff event type reaches the staff of its department or routing rule', async () => {
    const t = await readyTenant();
    await k.gql(
      t.admin,
      'mutation { upsertRoutingRule(input: { name: "Packages to billing", eventPattern: "package.*", departments: ["billing"], channels: [EMAIL] }) { id } }',
    );
    const expected: Record<string, string> = {
      'billing.bill_generated': 'rina@rs.example',
      'billing.refund_processed': 'fajar@rs.example',
      'billing.deposit_received': 'agus@rs.example',
      'package.purchased': 'rina@rs.example',
      'package.redeemed': 'rina@rs.example',
      'package.expired': 'rina@rs.example',
      'package.exhausted': 'rina@rs.example',
      'lab.test_requested': 'wati@rs.example',
    };
    for (const [type, to] of Object.entries(expected)) {
      const rows = await settled(t, (await publish(t, type)).id, 1);
      expect(rows[0], type).toMatchObject({
        channel: 'EMAIL',
        recipient: to,
        recipientKind: 'staff',
        status: 'SENT',
        language: 'EN',
      });
      expect(rows[0].renderedBody, type).not.toMatch(/undefined|null|\{\{/);
    }
  });

  it('credit race: 200 WhatsApp messages against credit for 80 send exactly 80, skip 120, end at zero', async () => {
    const t = await readyTenant(new Decimal('350.5').times(80).toFixed());
    const before = p.whatsapp.received.length;
    const ids: string[] = [];
    // Each to a patient of their own: Meta paces one recipient (45 at once, then one per 6 s), and so does Kabar.
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) =>
        ids.push(
          (
            await publish(
              t,
              'appointment.no_show',
              sampleData('appointment.no_show', { phone: `+62815${String(i).padStart(8, '0')}` }),
            )
          ).id,
        ),
      ),
    );
    const rows = await eventually(async () => {
      const res = await k.gql(
        t.admin,
        'query { deliveries(first: 100, filter: { eventType: "appointment.no_show" }) { totalCount } sent: deliveries(filter: { eventType: "appointment.no_show", status: SENT }) { totalCount } skipped: deliveries(filter: { eventType: "appointment.no_show", status: SKIPPED }) { totalCount } }',
      );
      expect(res.data.deliveries.totalCount).toBe(200);
      expect(res.data.sent.totalCount + res.data.skipped.totalCount).toBe(200);
      return res.data;
    }, 30_000);
    expect(rows.sent.totalCount).toBe(80);
    expect(rows.skipped.totalCount).toBe(120);
    expect(p.whatsapp.received.length - before).toBe(80);
    const skipped = await k.gql(
      t.admin,
      'query { deliveries(first: 100, filter: { status: SKIPPED, eventType: "appointment.no_show" }) { edges { node { reason } } } }',
    );
    expect(new Set(skipped.data.deliveries.edges.map((e: any) => e.node.reason))).toEqual(
      new Set(['INSUFFICIENT_CREDIT']),
    );
    const balance = await k.gql(t.admin, 'query { creditBalance { balance } }');
    expect(balance.data.creditBalance.balance).toBe('0');
    // The balance equals the ledger's sum, and no delivery was charged twice.
    let sum = new Decimal(0);
    const charged = new Set<string>();
    let after: string | null = null;
    do {
      const page: any = await k.gql(
        t.admin,
        'query($after: String) { creditTransactions(first: 100, after: $after) { edges { node { kind amount deliveryId } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      for (const { node } of page.data.creditTransactions.edges) {
        sum = sum.plus(node.amount);
        if (node.kind === 'DEBIT') {
          expect(charged.has(node.deliveryId)).toBe(false);
          charged.add(node.deliveryId);
        }
      }
      after = page.data.creditTransactions.pageInfo.hasNextPage
        ? page.data.creditTransactions.pageInfo.endCursor
        : null;
    } while (after);
    expect(sum.toFixed()).toBe('0');
    expect(charged.size).toBe(80);
  }, 60_000);
});
