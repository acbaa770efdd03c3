import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createChannels, type ChannelSettings } from '../../src/channels/index.js';
import { createEmailChannel } from '../../src/channels/email.channel.js';
import { createPushChannel } from '../../src/channels/push.channel.js';
import { createSandboxChannels, type SandboxEntry } from '../../src/channels/sandbox.channel.js';
import { createSmsChannel } from '../../src/channels/sms.channel.js';
import type { Channels, SendOutcome } from '../../src/channels/channel.types.js';
import { createWhatsAppChannel } from '../../src/channels/whatsapp.channel.js';
import { startFakeProviders, startFakeServer, type FakeProviders } from '../fakes/index.js';

// Each adapter against a fake that speaks the provider's wire format (PROVIDERS.md).

const TIMEOUT_MS = 200;
const API_KEY = 'tenant-360-key';
const FCM_TOKEN = 'fcm-bearer';
const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' };

let fakes: FakeProviders;
let channels: Channels;

function settings(f: FakeProviders, timeoutMs = TIMEOUT_MS): ChannelSettings {
  return {
    whatsapp: { baseUrl: f.whatsapp.url, timeoutMs },
    email: {
      region: 'ap-southeast-1',
      endpoint: f.ses.url,
      from: 'Kabar <no-reply@kabar.test>',
      configurationSet: 'kabar',
      timeoutMs,
      credentials,
    },
    sms: {
      baseUrl: f.sms.url,
      accountSid: f.sms.accountSid,
      authToken: f.sms.authToken,
      from: '+15005550006',
      timeoutMs,
    },
    push: { baseUrl: f.fcm.url, projectId: f.fcm.projectId, accessToken: FCM_TOKEN, timeoutMs },
  };
}

function failed(outcome: SendOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

beforeAll(async () => {
  fakes = await startFakeProviders({
    whatsapp: {
      apiKeys: [API_KEY],
      templates: {
        appointment_confirmed: { languages: ['id', 'en', 'fr'], parameters: 2 },
        plain_notice: { languages: ['en'], parameters: 0 },
      },
    },
    ses: { verifiedIdentities: ['kabar.test'], configurationSets: ['kabar'], credentials: [credentials] },
    fcm: { accessTokens: [FCM_TOKEN], retryAfterSeconds: 7 },
  });
  channels = createChannels(settings(fakes));
});
afterAll(async () => {
  await fakes?.close();
});
beforeEach(() => fakes.reset());

describe('WhatsApp (360dialog)', () => {
  const msg = {
    apiKey: API_KEY,
    to: '+6281234567890',
    templateName: 'appointment_confirmed',
    language: 'id',
    parameters: ['Budi', 'BK-1042'],
  };

  it('sends a template message exactly as the Cloud API expects', async () => {
    const out = await channels.whatsapp.send(msg);
    expect(out.ok).toBe(true);
    const [got] = fakes.whatsapp.received;
    expect(got!.apiKey).toBe(API_KEY);
    expect(out).toEqual({ ok: true, providerMessageId: got!.messageId });
    expect(got!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '6281234567890',
      type: 'template',
      template: {
        name: 'appointment_confirmed',
        language: { policy: 'deterministic', code: 'id' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Budi' },
              { type: 'text', text: 'BK-1042' },
            ],
          },
        ],
      },
    });
  });

  it('omits components when the template has no parameters', async () => {
    const out = await channels.whatsapp.send({ ...msg, templateName: 'plain_notice', language: 'en', parameters: [] });
    expect(out.ok).toBe(true);
    expect(fakes.whatsapp.received[0]!.hasComponents).toBe(false);
  });

  it('surfaces the fake’s own validation as permanent errors (template/language, parameter count, bad key)', async () => {
    expect(failed(await channels.whatsapp.send({ ...msg, language: 'de' }))).toMatchObject({
      transient: false,
      reason: expect.stringMatching(/^132001: /),
    });
    expect(failed(await channels.whatsapp.send({ ...msg, parameters: ['Budi'] }))).toMatchObject({
      transient: false,
      reason: expect.stringMatching(/^132000: /),
    });
    expect(failed(await channels.whatsapp.send({ ...msg, apiKey: 'wrong' }))).toMatchObject({
      transient: false,
      reason: '401: Invalid api key',
    });
    expect(fakes.whatsapp.received).toHaveLength(0);
  });

  it.each([
    ['429', undefined, true, '130429'],
    ['429', 131056, true, '131056'],
    ['5xx', undefined, true, '502'],
    ['permanent', undefined, false, '132001'],
    ['permanent', 131008, false, '131008'],
    ['permanent', 190, false, '190'],
    ['permanent', 401, false, '401'],
  ] as const)('classifies %s (%s) as transient=%s', async (kind, code, transient, reasonCode) => {
    fakes.whatsapp.fail(1, kind, code);
    const out = failed(await channels.whatsapp.send(msg));
    expect(out.transient).toBe(transient);
    expect(out.reason.startsWith(`${reasonCode}: `)).toBe(true);
    expect(fakes.whatsapp.attempts).toBe(1);
  });

  it('gives up after its timeout and calls it transient', async () => {
    fakes.whatsapp.fail(1, 'timeout');
    const started = Date.now();
    const out = failed(await channels.whatsapp.send(msg));
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
    expect(out).toMatchObject({ transient: true, reason: expect.stringContaining('timeout'), ambiguous: true });
    // The next request goes through at once.
    expect((await channels.whatsapp.send(msg)).ok).toBe(true);
  });

  it('sends a free-form text (a keyword confirmation) as type "text", and the fake validates it', async () => {
    const out = await channels.whatsapp.sendText({
      apiKey: API_KEY,
      to: '+6281234567890',
      body: 'Anda tidak akan lagi menerima pesan dari RS Sehat melalui WhatsApp.',
      reference: 'd-7',
    });
    const [got] = fakes.whatsapp.texts;
    expect(out).toEqual({ ok: true, providerMessageId: got!.messageId });
    expect(got!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '6281234567890',
      type: 'text',
      text: { body: 'Anda tidak akan lagi menerima pesan dari RS Sehat melalui WhatsApp.' },
      biz_opaque_callback_data: 'd-7',
    });
    expect(fakes.whatsapp.received).toHaveLength(0);
    expect(
      failed(await channels.whatsapp.sendText({ apiKey: API_KEY, to: '+6281234567890', body: '  ' })),
    ).toMatchObject({ transient: false, reason: expect.stringMatching(/^100: /) });
    expect(fakes.whatsapp.texts).toHaveLength(1);
  });

  it('registers the status webhook with the secret header', async () => {
    const out = await channels.whatsapp.registerWebhook(
      API_KEY,
      'https://kabar.example/webhooks/whatsapp/t1',
      's3cret',
    );
    expect(out.ok).toBe(true);
    expect(fakes.whatsapp.webhooks).toEqual([
      {
        apiKey: API_KEY,
        url: 'https://kabar.example/webhooks/whatsapp/t1',
        headers: { 'X-Kabar-Webhook-Secret': 's3cret' },
      },
    ]);
  });
});

describe('Email (SES v1)', () => {
  const msg = {
    to: 'patient@example.com',
    subject: 'Janji temu dikonfirmasi',
    text: 'Halo Budi',
    html: '<p>Halo Budi</p>',
    tags: { tenant: 't-1', delivery: 'd-42' },
  };

  it('sends SendEmail with the form fields SES expects, signed with SigV4', async () => {
    const out = await channels.email.send(msg);
    const [got] = fakes.ses.received;
    expect(out).toEqual({ ok: true, providerMessageId: got!.messageId });
    expect(got).toMatchObject({
      accessKeyId: 'AKIDFAKE',
      region: 'ap-southeast-1',
      source: 'Kabar <no-reply@kabar.test>',
      to: ['patient@example.com'],
      subject: 'Janji temu dikonfirmasi',
      text: 'Halo Budi',
      html: '<p>Halo Budi</p>',
      tags: { tenant: 't-1', delivery: 'd-42' },
      configurationSet: 'kabar',
    });
    expect(got!.form).toMatchObject({
      Action: 'SendEmail',
      Version: '2010-12-01',
      'Destination.ToAddresses.member.1': 'patient@example.com',
    });
  });

  it('puts on the wire the very form the SDK sends for the same message', async () => {
    // What @aws-sdk/client-ses serialises for the message, captured before it leaves.
    let sdkBody = '';
    const sdk = new SESClient({
      region: 'ap-southeast-1',
      endpoint: fakes.ses.url,
      credentials,
      maxAttempts: 1,
      requestHandler: {
        handle: async (req: { body: string }) => {
          sdkBody = req.body;
          throw new Error('captured');
        },
      } as never,
    });
    const tricky = { ...msg, subject: "Résumé (1/2) * it's ✓ & <ok>", html: '<p>a+b=c; 100%</p>' };
    await sdk
      .send(
        new SendEmailCommand({
          Source: 'Kabar <no-reply@kabar.test>',
          Destination: { ToAddresses: [tricky.to] },
          Message: {
            Subject: { Data: tricky.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: tricky.text, Charset: 'UTF-8' }, Html: { Data: tricky.html, Charset: 'UTF-8' } },
          },
          Tags: [
            { Name: 'tenant', Value: 't-1' },
            { Name: 'delivery', Value: 'd-42' },
          ],
          ConfigurationSetName: 'kabar',
        }),
      )
      .catch(() => {});
    expect((await channels.email.send(tricky)).ok).toBe(true);
    expect(fakes.ses.received[0]!.form).toEqual(Object.fromEntries(new URLSearchParams(sdkBody)));
    expect(fakes.ses.received[0]!.subject).toBe(tricky.subject);
  });

  it('makes tag values SES-safe instead of losing the email', async () => {
    expect((await channels.email.send({ ...msg, tags: { event: 'appointment confirmed/1' } })).ok).toBe(true);
    expect(fakes.ses.received[0]!.tags).toEqual({ event: 'appointment_confirmed_1' });
  });

  it.each([
    ['429', undefined, true, 'Throttling'],
    ['5xx', undefined, true, 'InternalFailure'],
    ['5xx', 'ServiceUnavailable', true, 'ServiceUnavailable'],
    ['permanent', undefined, false, 'MessageRejected'],
    ['permanent', 'MailFromDomainNotVerifiedException', false, 'MailFromDomainNotVerifiedException'],
    ['permanent', 'AccountSendingPausedException', false, 'AccountSendingPausedException'],
    ['permanent', 'ConfigurationSetDoesNotExist', false, 'ConfigurationSetDoesNotExist'],
  ] as const)('classifies %s (%s) as transient=%s', async (kind, code, transient, name) => {
    fakes.ses.fail(1, kind, code);
    const out = failed(await channels.email.send(msg));
    expect(out.transient).toBe(transient);
    expect(out.reason.startsWith(`${name}: `)).toBe(true);
    expect(fakes.ses.attempts).toBe(1); // maxAttempts: 1, Kabar retries on its own
  });

  it('treats an unverified sender and an unknown configuration set as permanent', async () => {
    const other = createEmailChannel({
      region: 'ap-southeast-1',
      endpoint: fakes.ses.url,
      from: 'x@other.test',
      configurationSet: 'nope',
      timeoutMs: TIMEOUT_MS,
      credentials,
    });
    expect(failed(await other.send(msg))).toMatchObject({
      transient: false,
      reason: expect.stringMatching(/^MessageRejected: Email address is not verified/),
    });
    const noSet = createEmailChannel({
      region: 'ap-southeast-1',
      endpoint: fakes.ses.url,
      from: 'a@kabar.test',
      configurationSet: 'nope',
      timeoutMs: TIMEOUT_MS,
      credentials,
    });
    expect(failed(await noSet.send(msg))).toMatchObject({
      transient: false,
      reason: expect.stringMatching(/^ConfigurationSetDoesNotExist: /),
    });
  });

  it('gives up after its timeout and calls it transient', async () => {
    fakes.ses.fail(1, 'timeout');
    const started = Date.now();
    const out = failed(await channels.email.send(msg));
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
    expect(out).toMatchObject({ transient: true, reason: expect.stringContaining('timeout'), ambiguous: true });
    expect(fakes.ses.attempts).toBe(1);
  });
});

describe('SMS (Twilio-style)', () => {
  const msg = {
    to: '+6281234567890',
    body: 'Nomor antrean A-12 dipanggil ke Ruang 3',
    statusCallback: 'https://kabar.example/webhooks/sms/t1',
  };

  it('posts the form with Basic auth and the status callback; 201 gives the sid', async () => {
    const out = await channels.sms.send(msg);
    const [got] = fakes.sms.received;
    expect(out).toEqual({ ok: true, providerMessageId: got!.sid });
    expect(got!.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(got!.form).toEqual({
      To: '+6281234567890',
      From: '+15005550006',
      Body: msg.body,
      StatusCallback: msg.statusCallback,
    });
  });

  it('rejects bad credentials with 20003 (permanent)', async () => {
    const bad = createSmsChannel({
      baseUrl: fakes.sms.url,
      accountSid: fakes.sms.accountSid,
      authToken: 'nope',
      from: '+15005550006',
      timeoutMs: TIMEOUT_MS,
    });
    expect(failed(await bad.send(msg))).toMatchObject({ transient: false, reason: '20003: Authenticate' });
  });

  it('rejects an invalid number with 21211 (permanent)', async () => {
    expect(failed(await channels.sms.send({ ...msg, to: '0812' }))).toMatchObject({
      transient: false,
      reason: expect.stringMatching(/^21211: /),
    });
  });

  it.each([
    ['429', undefined, true, '20429'],
    ['5xx', undefined, true, '20500'],
    ['permanent', undefined, false, '21211'],
    ['permanent', 21610, false, '21610'],
  ] as const)('classifies %s (%s) as transient=%s', async (kind, code, transient, reasonCode) => {
    fakes.sms.fail(1, kind, code);
    const out = failed(await channels.sms.send(msg));
    expect(out.transient).toBe(transient);
    expect(out.reason.startsWith(`${reasonCode}: `)).toBe(true);
  });

  it('gives up after its timeout and calls it transient', async () => {
    fakes.sms.fail(1, 'timeout');
    expect(failed(await channels.sms.send(msg))).toMatchObject({
      transient: true,
      reason: expect.stringContaining('timeout'),
      ambiguous: true,
    });
  });
});

describe('Push (FCM v1)', () => {
  const msg = {
    deviceToken: 'device-abc',
    title: 'Giliran Anda',
    body: 'Token A-12: Ruang 3',
    data: { deliveryId: 'd-42' },
  };

  it('sends token, notification and data with the bearer token', async () => {
    const out = await channels.push.send(msg);
    const [got] = fakes.fcm.received;
    expect(out).toEqual({ ok: true, providerMessageId: got!.name });
    expect(got).toMatchObject({
      accessToken: FCM_TOKEN,
      token: 'device-abc',
      title: 'Giliran Anda',
      body: 'Token A-12: Ruang 3',
      data: { deliveryId: 'd-42' },
    });
    expect(got!.message).toEqual({
      token: 'device-abc',
      notification: { title: 'Giliran Anda', body: 'Token A-12: Ruang 3' },
      data: { deliveryId: 'd-42' },
    });
  });

  it('accepts a token function instead of a static token', async () => {
    let calls = 0;
    const push = createPushChannel({
      baseUrl: fakes.fcm.url,
      projectId: fakes.fcm.projectId,
      getAccessToken: async () => (calls++, FCM_TOKEN),
      timeoutMs: TIMEOUT_MS,
    });
    expect((await push.send(msg)).ok).toBe(true);
    expect(calls).toBe(1);
    const failing = createPushChannel({
      baseUrl: fakes.fcm.url,
      projectId: fakes.fcm.projectId,
      accessToken: async () => {
        throw new Error('token endpoint down');
      },
      timeoutMs: TIMEOUT_MS,
    });
    expect(failed(await failing.send(msg))).toMatchObject({
      transient: true,
      reason: expect.stringContaining('token endpoint down'),
    });
  });

  it('reports a dead device token as UNREGISTERED (permanent)', async () => {
    fakes.fcm.unregister('device-abc');
    expect(failed(await channels.push.send(msg))).toMatchObject({
      transient: false,
      reason: expect.stringMatching(/^UNREGISTERED: /),
    });
  });

  it('honours Retry-After on QUOTA_EXCEEDED', async () => {
    fakes.fcm.fail(1, '429');
    expect(failed(await channels.push.send(msg))).toMatchObject({
      transient: true,
      retryAfterMs: 7000,
      reason: expect.stringMatching(/^QUOTA_EXCEEDED: /),
    });
  });

  it.each([
    ['5xx', undefined, true, 'UNAVAILABLE'],
    ['5xx', 'INTERNAL', true, 'INTERNAL'],
    ['permanent', undefined, false, 'UNREGISTERED'],
    ['permanent', 'INVALID_ARGUMENT', false, 'INVALID_ARGUMENT'],
    ['permanent', 'SENDER_ID_MISMATCH', false, 'SENDER_ID_MISMATCH'],
    ['permanent', 'THIRD_PARTY_AUTH_ERROR', false, 'THIRD_PARTY_AUTH_ERROR'],
  ] as const)('classifies %s (%s) as transient=%s', async (kind, code, transient, reasonCode) => {
    fakes.fcm.fail(1, kind, code);
    const out = failed(await channels.push.send(msg));
    expect(out.transient).toBe(transient);
    expect(out.reason.startsWith(`${reasonCode}: `)).toBe(true);
  });

  it('gives up after its timeout and calls it transient', async () => {
    fakes.fcm.fail(1, 'timeout');
    expect(failed(await channels.push.send(msg))).toMatchObject({
      transient: true,
      reason: expect.stringContaining('timeout'),
      ambiguous: true,
    });
  });
});

describe('connection errors and failure rates', () => {
  it('a refused connection is a transient network error, not an exception, and never ambiguous (nothing was sent)', async () => {
    const gone = await startFakeServer(() => {});
    await gone.close(); // its port is now (almost certainly) closed
    const dead = createWhatsAppChannel({ baseUrl: gone.url, timeoutMs: TIMEOUT_MS });
    const refused = failed(
      await dead.send({ apiKey: 'k', to: '+62811', templateName: 't', language: 'id', parameters: [] }),
    );
    expect(refused).toMatchObject({ transient: true, reason: 'network error: ECONNREFUSED' });
    expect(refused.ambiguous).toBeUndefined();
    const deadEmail = createEmailChannel({
      region: 'ap-southeast-1',
      endpoint: gone.url,
      from: 'a@kabar.test',
      timeoutMs: TIMEOUT_MS,
      credentials,
    });
    const refusedEmail = failed(await deadEmail.send({ to: 'a@b.c', subject: 's', text: 't', html: 'h' }));
    expect(refusedEmail).toMatchObject({ transient: true, reason: 'network error: ECONNREFUSED' });
    expect(refusedEmail.ambiguous).toBeUndefined();
  });

  it('a connection dropped after the request went out is transient and ambiguous (the provider may have acted)', async () => {
    const dropping = await startFakeServer(({ req }) => void req.socket.destroy());
    try {
      const wa = createWhatsAppChannel({ baseUrl: dropping.url, timeoutMs: TIMEOUT_MS });
      const dropped = failed(
        await wa.send({ apiKey: 'k', to: '+62811', templateName: 't', language: 'id', parameters: [] }),
      );
      expect(dropped).toMatchObject({ transient: true, reason: 'network error: ECONNRESET', ambiguous: true });
    } finally {
      await dropping.close();
    }
    // Or half-way through the answer.
    const cut = await startFakeServer(({ res }) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      res.write('{"messages":[{"id":"wamid.');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    try {
      const wa = createWhatsAppChannel({ baseUrl: cut.url, timeoutMs: TIMEOUT_MS });
      const half = failed(
        await wa.send({ apiKey: 'k', to: '+62811', templateName: 't', language: 'id', parameters: [] }),
      );
      expect(half).toMatchObject({ transient: true, ambiguous: true });
      expect(half.reason).not.toContain('timeout');
    } finally {
      await cut.close();
    }
  });

  it('failureRate is reproducible for a seed', async () => {
    const run = async () => {
      fakes.sms.reset();
      fakes.sms.failureRate(0.3, ['429', '5xx', 'permanent'], 7);
      const results: string[] = [];
      for (let i = 0; i < 20; i++) {
        const out = await channels.sms.send({
          to: '+6281234567890',
          body: `m${i}`,
          statusCallback: 'https://kabar.example/cb',
        });
        results.push(out.ok ? 'ok' : out.transient ? 'T' : 'P');
      }
      return results;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first.filter((r) => r !== 'ok').length).toBeGreaterThan(0);
    expect(first.filter((r) => r === 'ok').length).toBe(fakes.sms.received.length);
  });
});

describe('sandbox', () => {
  it('records every send and never leaves the machine', async () => {
    const log: SandboxEntry[] = [];
    const sandbox = createSandboxChannels((e) => log.push(e));
    const outs = await Promise.all([
      sandbox.whatsapp.send({ apiKey: 'secret', to: '+6281', templateName: 't', language: 'id', parameters: ['a'] }),
      sandbox.email.send({ to: 'a@b.c', subject: 's', text: 't', html: 'h' }),
      sandbox.sms.send({ to: '+6281', body: 'b', statusCallback: 'http://x' }),
      sandbox.push.send({ deviceToken: 'tok', title: 'T', body: 'B' }),
      sandbox.whatsapp.sendText({ apiKey: 'secret', to: '+6282', body: 'Halo' }),
    ]);
    for (const o of outs)
      expect(o).toMatchObject({ ok: true, providerMessageId: expect.stringMatching(/^sandbox-[0-9a-f-]{36}$/) });
    expect(log.map((e) => [e.channel, e.to])).toEqual([
      ['WHATSAPP', '+6281'],
      ['EMAIL', 'a@b.c'],
      ['SMS', '+6281'],
      ['PUSH', 'tok'],
      ['WHATSAPP', '+6282'],
    ]);
    expect(log[4]!.payload).toEqual({ type: 'text', body: 'Halo' });
    expect(JSON.stringify(log)).not.toContain('secret');
  });
});
