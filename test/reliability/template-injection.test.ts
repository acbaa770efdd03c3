import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../src/events/envelope.js';
import { renderMessage } from '../../src/services/rendering.service.js';
import type { PlannedMessage } from '../../src/services/recipients.service.js';
import type { TemplateView } from '../../src/services/templates.service.js';
import type { TenantRow } from '../../src/services/tenants.service.js';
import { escapeHtml, neutralise, renderTemplate, singleLine, whatsAppParameters } from '../../src/templates/render.js';
import {
  eventually,
  platformToken,
  setTestPrices,
  startKabar,
  type TestKabar,
  type TestTenant,
} from '../helpers/app.js';
import { sampleData, sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// Event data is the partner's, and whatever it holds must reach patients as inert text: never
// expanded as a template tag, HTML-escaped in email HTML, on one line in a subject, without the
// control characters that ring bells, cut SMS, reverse text or split headers.

/** Every control character Kabar removes from values (tab and line feed stay). */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

const MUSTACHE = '{{patient.name}} {{{x}}} {{#centre.name}}on{{/centre.name}} {{^x}}off{{/x}} {{';
const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror="alert(1)">';

describe('template rendering of hostile values (unit)', () => {
  it('inserts mustache-looking values literally, never as tags', () => {
    const vars = { 'patient.name': MUSTACHE, 'centre.name': 'Klinik', x: 'EXPANDED' };
    expect(renderTemplate('Halo {{patient.name}} di {{centre.name}}', vars)).toEqual({
      ok: true,
      text: `Halo ${MUSTACHE} di Klinik`,
    });
    expect(renderTemplate('{{#patient.name}}[{{patient.name}}]{{/patient.name}}', vars)).toEqual({
      ok: true,
      text: `[${MUSTACHE}]`,
    });
    expect(whatsAppParameters('Halo {{patient.name}}, {{centre.name}}', vars)).toEqual([MUSTACHE, 'Klinik']);
    // A value that is itself a whole template renders as that text, and again as that text.
    const once = renderTemplate('{{patient.name}}', { 'patient.name': '{{centre.name}}', 'centre.name': 'X' });
    expect(once).toEqual({ ok: true, text: '{{centre.name}}' });
    expect(
      renderTemplate('{{patient.name}}', { 'patient.name': (once as { text: string }).text, 'centre.name': 'X' }),
    ).toEqual({ ok: true, text: '{{centre.name}}' });
  });

  it('escapes HTML in values only where the output is HTML', () => {
    const vars = { 'patient.name': SCRIPT, 'doctor.name': IMG, 'centre.name': `R&D "Sehat" 'Menteng'` };
    const body = 'Dear {{patient.name}}, {{doctor.name}} at {{centre.name}}';
    expect(renderTemplate(body, vars, { escape: escapeHtml })).toEqual({
      ok: true,
      text: 'Dear &lt;script&gt;alert(1)&lt;/script&gt;, &lt;img src=x onerror=&quot;alert(1)&quot;&gt; at R&amp;D &quot;Sehat&quot; &#39;Menteng&#39;',
    });
    expect(renderTemplate(body, vars)).toEqual({ ok: true, text: `Dear ${SCRIPT}, ${IMG} at R&D "Sehat" 'Menteng'` });
  });

  it('neutralises control characters: line breaks become \\n, the rest is removed', () => {
    expect(neutralise('a\u0000b\u0007c\u001Bd\u007Fe\u0085f\u009Bg')).toBe('abcdefg');
    expect(neutralise('\u202Eevil\u202C \u2066iso\u2069 \u202Aemb\u202B')).toBe('evil iso emb');
    expect(neutralise('one\r\ntwo\rthree\nfour\u2028five\u2029six\tseven')).toBe(
      'one\ntwo\nthree\nfour\nfive\nsix\tseven',
    );
    // Letters, emoji, NBSP and right-to-left script are text, not controls.
    expect(neutralise('Siti 😊\u00A0محمد\u200D')).toBe('Siti 😊\u00A0محمد\u200D');
    expect(singleLine('Subject – BK-1 \r\n Bcc: x@evil.example\n\n<b>')).toBe('Subject – BK-1 Bcc: x@evil.example <b>');
    expect(singleLine('Rp\u00A0150.000  net')).toBe('Rp\u00A0150.000  net');
  });

  it('applies that to every rendering: text, HTML, WhatsApp parameters', () => {
    const vars = { 'patient.name': 'Siti\u0000\u0007 \u202ERahma\r\nBcc: x', 'centre.name': 'K' };
    expect(renderTemplate('Halo {{patient.name}}.', vars)).toEqual({ ok: true, text: 'Halo Siti Rahma\nBcc: x.' });
    expect(renderTemplate('Halo {{patient.name}}.', vars, { escape: escapeHtml })).toEqual({
      ok: true,
      text: 'Halo Siti Rahma\nBcc: x.',
    });
    expect(whatsAppParameters('Halo {{patient.name}}.', vars)).toEqual(['Siti Rahma Bcc: x']);
  });

  it('treats a value made only of control characters as missing', () => {
    const vars = { 'patient.name': '\u0000\u202E\u0007', 'centre.name': 'K' };
    expect(renderTemplate('Halo {{patient.name}}', vars)).toEqual({ ok: false, missing: ['patient.name'] });
    expect(
      renderTemplate(
        'Halo{{#patient.name}} {{patient.name}}{{/patient.name}}{{^patient.name}} pasien{{/patient.name}}.',
        vars,
      ),
    ).toEqual({ ok: true, text: 'Halo pasien.' });
    expect(() => whatsAppParameters('{{patient.name}}', vars)).toThrow(/missing template variables: patient.name/);
  });

  it('renderMessage: the email subject is one line, the HTML escaped, the text plain', () => {
    const template: TemplateView = {
      id: 't',
      eventType: 'report.ready',
      channel: 'EMAIL',
      language: 'EN',
      subject: 'Report: {{report.name}}',
      body: 'Dear {{patient.name}},\n\n{{report.name}} is ready.',
      whatsAppTemplateName: null,
      whatsAppCategory: null,
      isDefault: false,
      updatedAt: new Date(),
      whatsAppStatus: null,
      whatsAppStatusReason: null,
    };
    const tenant = { id: 't1', name: 'RS', timezone: 'Asia/Jakarta' } as TenantRow;
    const m: PlannedMessage = {
      channel: 'EMAIL',
      recipient: 'siti@example.id',
      recipientRef: 'p',
      recipientKind: 'patient',
      language: 'EN',
    };
    const data = {
      ...sampleData('report.ready'),
      patient: { id: 'p', name: `${SCRIPT}\u0007`, email: 'siti@example.id' },
      report: { id: 'r', name: `Hb\r\nBcc: x@evil.example\r\n\r\n${IMG}` },
    };
    const out = renderMessage(template, tenant, 'report.ready', data, m);
    expect(out).toEqual({
      ok: true,
      body: `Dear ${SCRIPT},\n\nHb\nBcc: x@evil.example\n\n${IMG} is ready.`,
      content: {
        channel: 'EMAIL',
        subject: `Report: Hb Bcc: x@evil.example ${IMG}`,
        text: `Dear ${SCRIPT},\n\nHb\nBcc: x@evil.example\n\n${IMG} is ready.`,
        html: expect.any(String),
      },
    });
    const html = (out as { content: { html: string } }).content.html;
    expect(html).toContain(
      '<p>Dear &lt;script&gt;alert(1)&lt;/script&gt;,</p><p>Hb<br>Bcc: x@evil.example</p><p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt; is ready.</p>',
    );
    expect(html).not.toMatch(/<script|<img/i);
  });
});

describe('template injection through the real path (publishEvent → dispatcher → fake providers)', () => {
  let k: TestKabar;
  let p: Providers;
  let t: TestTenant;

  beforeAll(async () => {
    p = await startProviders();
    k = await startKabar({ channels: p.channels, env: { ...p.env, KABAR_RETRY_BASE_MS: '50' } });
    const platform = await platformToken();
    await setTestPrices(k);
    t = await k.newTenant();
    await k.gql(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { key } }');
    p.whatsapp.issueKey('d360-key-0123456789');
    const cfg = await k.gql(
      t.admin,
      'mutation { upsertWhatsAppConfig(input: { senderNumber: "+6281100000000", token: "d360-key-0123456789", country: "ID", currency: "IDR", isActive: true }) { tokenSet } }',
    );
    expect(cfg.errors).toBeUndefined();
    const req = await k.gql(t.admin, 'mutation { requestCreditPurchase(amount: "100000") { id } }');
    await k.gql(platform, 'mutation($id: ID!) { confirmCreditPurchase(id: $id) { status } }', {
      id: req.data.requestCreditPurchase.id,
    });
  });
  afterAll(async () => {
    await k.stop();
    await p.close();
  });
  beforeEach(() => p.reset());

  async function publishAndSettle(type: string, data: Record<string, unknown>, expected: number) {
    const input = { ...sampleEvent(type), data };
    const res = await k.gql(t.service, 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }', {
      input,
    });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return eventually(async () => {
      const list = await k.gql(
        t.admin,
        'query($e: String) { deliveries(first: 10, filter: { eventId: $e }) { edges { node { channel status reason renderedBody } } } }',
        { e: input.id },
      );
      const rows = list.data.deliveries.edges.map((e: any) => e.node);
      expect(rows).toHaveLength(expected);
      expect(
        rows.every((r: any) => r.status === 'SENT'),
        JSON.stringify(rows),
      ).toBe(true);
      return rows as { channel: string; renderedBody: string }[];
    });
  }

  it('appointment.confirmed: WhatsApp parameters and the email (subject, text, HTML) carry the values as inert text', async () => {
    const data = sampleData('appointment.confirmed') as any;
    data.patient.name = `${MUSTACHE} ${SCRIPT}\u001B\u0007 \u202Eevil`;
    data.doctor.name = IMG;
    data.centre.name = `R&D "Sehat" {{doctor.name}}`;
    data.appointment.bookingReference = 'BK-1\r\nBcc: attacker@evil.example\r\n\r\n<b>x</b>';
    const rows = await publishAndSettle('appointment.confirmed', data, 2);

    const name = `${MUSTACHE} ${SCRIPT} evil`;
    expect(p.whatsapp.received).toHaveLength(1);
    const wa = p.whatsapp.received[0]!;
    expect(wa.parameters).toHaveLength(6);
    expect([wa.parameters[0], wa.parameters[1], wa.parameters[2], wa.parameters[5]]).toEqual([
      name,
      IMG,
      `R&D "Sehat" {{doctor.name}}`,
      'BK-1 Bcc: attacker@evil.example <b>x</b>',
    ]);
    for (const param of wa.parameters) expect(param).not.toMatch(CONTROL);

    expect(p.ses.received).toHaveLength(1);
    const email = p.ses.received[0]!;
    expect(email.subject).toBe('Janji temu Anda terkonfirmasi – BK-1 Bcc: attacker@evil.example <b>x</b>');
    expect(email.text).toContain(`Yth. Bapak/Ibu ${name},`);
    expect(email.text).toContain(`Dokter: ${IMG}\n`);
    expect(email.text).toContain('Kode booking: BK-1\nBcc: attacker@evil.example\n\n<b>x</b>\n');
    expect(email.html).toContain(
      `<p>Yth. Bapak/Ibu {{patient.name}} {{{x}}} {{#centre.name}}on{{/centre.name}} {{^x}}off{{/x}} {{ &lt;script&gt;alert(1)&lt;/script&gt; evil,</p>`,
    );
    expect(email.html).toContain('Dokter: &lt;img src=x onerror=&quot;alert(1)&quot;&gt;<br>');
    expect(email.html).toContain('Kode booking: BK-1<br>Bcc: attacker@evil.example</p><p>&lt;b&gt;x&lt;/b&gt;');
    expect(email.html).toContain('R&amp;D &quot;Sehat&quot; {{doctor.name}}</p>');
    expect(email.html).not.toMatch(/<script|<img|<b>/i);
    for (const part of [email.subject, email.text!, email.html!]) expect(part).not.toMatch(CONTROL);
    expect(email.subject).not.toMatch(/[\r\n]/);

    const stored = rows.find((r) => r.channel === 'EMAIL')!.renderedBody;
    expect(stored).toBe(email.text);
  });

  it('walkin.token_called: SMS and push without control characters, line breaks kept as \\n', async () => {
    const data = sampleData('walkin.token_called', { pushTokens: ['device-token-1'] }) as any;
    data.centre.name = 'Klinik\u001B[31m\u0008';
    data.walkIn.tokenNumber = 'A-017\u0007\u202E\u2066';
    data.walkIn.room = 'Ruang 3\r\n{{centre.name}}';
    await publishAndSettle('walkin.token_called', data, 2);

    expect(p.sms.received.map((m) => m.body)).toEqual([
      'Klinik[31m: Nomor antrean A-017 telah dipanggil. Silakan segera menuju Ruang 3\n{{centre.name}}.',
    ]);
    expect(p.fcm.received.map((m) => ({ title: m.title, body: m.body }))).toEqual([
      { title: 'Nomor antrean Anda dipanggil', body: 'Nomor A-017: silakan segera menuju Ruang 3\n{{centre.name}}.' },
    ]);
  });

  it('refuses NUL (U+0000) in event data at publication: BAD_USER_INPUT naming the field, nothing dispatched', async () => {
    const data = sampleData('appointment.confirmed') as any;
    data.patient.name = 'Siti\u0000Rahma';
    const input = { ...sampleEvent('appointment.confirmed'), data };
    const res = await k.gql(t.service, 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }', {
      input,
    });
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: 'input.data.patient.name: contains NUL (U+0000), which cannot be stored',
        extensions: {
          code: 'BAD_USER_INPUT',
          field: 'input.data.patient.name',
          fields: [
            {
              path: 'input.data.patient.name',
              message: 'input.data.patient.name: contains NUL (U+0000), which cannot be stored',
            },
          ],
        },
      }),
    ]);
    const keyed = { ...sampleEvent('report.ready'), data: { ...sampleData('report.ready'), 'x\u0000y': 'z' } };
    const res2 = await k.gql(t.service, 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }', {
      input: keyed,
    });
    expect(res2.errors?.map((e) => e.extensions)).toEqual([
      {
        code: 'BAD_USER_INPUT',
        field: 'input.data.x\\u0000y',
        fields: [{ path: 'input.data.x\\u0000y', message: expect.stringContaining('input.data.x\\u0000y: ') }],
      },
    ]);
    // The Kafka and HTTP path (decodeEnvelope) dead-letters it as INVALID_DATA.
    const decoded = decodeEnvelope(Buffer.from(JSON.stringify({ ...input, tenantId: t.id })), {}, t.id);
    expect(decoded).toEqual({
      ok: false,
      reason: 'INVALID_DATA: /patient/name contains NUL (U+0000), which cannot be stored',
    });
    await new Promise((r) => setTimeout(r, 300));
    const list = await k.gql(
      t.admin,
      'query($e: String) { deliveries(first: 10, filter: { eventId: $e }) { totalCount } }',
      { e: input.id },
    );
    expect(list.data.deliveries.totalCount).toBe(0);
  });

  it('a name made only of control characters is a missing value, not an empty greeting', async () => {
    const data = sampleData('report.ready') as any;
    data.patient.name = '\u001B\u202E\u0007';
    const input = { ...sampleEvent('report.ready'), data };
    expect(
      (await k.gql(t.service, 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }', { input }))
        .errors,
    ).toBeUndefined();
    const rows = await eventually(async () => {
      const list = await k.gql(
        t.admin,
        'query($e: String) { deliveries(first: 10, filter: { eventId: $e }) { edges { node { channel status reason } } } }',
        { e: input.id },
      );
      const nodes = list.data.deliveries.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(2);
      return nodes;
    });
    expect(rows.map((r: any) => [r.channel, r.status, r.reason]).sort()).toEqual([
      ['EMAIL', 'FAILED', 'MISSING_VARIABLE: patient.name'],
      ['WHATSAPP', 'FAILED', 'MISSING_VARIABLE: patient.name'],
    ]);
    expect(p.whatsapp.received).toHaveLength(0);
    expect(p.ses.received).toHaveLength(0);
  });
});
