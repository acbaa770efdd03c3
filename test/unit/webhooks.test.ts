import { describe, expect, it } from 'vitest';
import { parseSmsStatus, verifyTwilioSignature } from '../../src/channels/sms.channel.js';
import { parseSesNotification, verifySnsMessage } from '../../src/channels/sns-verify.js';
import {
  parseWhatsAppTemplateUpdates,
  parseWhatsAppWebhook,
  whatsAppErrorCode,
} from '../../src/channels/whatsapp.channel.js';
import { twilioSignature } from '../fakes/sms.js';
import { createSnsSigner, sesBounceMessage, sesComplaintMessage, sesDeliveryMessage } from '../fakes/sns.js';
import { whatsappIncomingMessagePayload, whatsappStatusPayload } from '../fakes/whatsapp.js';

describe('WhatsApp status webhook', () => {
  it('maps delivered and read with the provider timestamp', () => {
    const body = whatsappStatusPayload([
      { id: 'wamid.A', status: 'delivered', timestamp: 1750857384 },
      { id: 'wamid.A', status: 'read', timestamp: 1750857390 },
      { id: 'wamid.B', status: 'sent', timestamp: 1750857380 },
    ]);
    const pricing = { billable: true, pricingModel: 'PMP', category: 'utility', type: 'regular' };
    expect(parseWhatsAppWebhook(body)).toEqual([
      { providerMessageId: 'wamid.A', status: 'DELIVERED', at: new Date(1750857384_000), pricing },
      { providerMessageId: 'wamid.A', status: 'READ', at: new Date(1750857390_000) },
      { providerMessageId: 'wamid.B', status: 'SENT', at: new Date(1750857380_000), pricing },
    ]);
  });

  it('gives failures the first error as "code: title"', () => {
    const body = whatsappStatusPayload([
      {
        id: 'wamid.C',
        status: 'failed',
        timestamp: 1750857384,
        errors: [
          { code: 131026, title: 'Message undeliverable' },
          { code: 1, title: 'other' },
        ],
      },
    ]);
    expect(parseWhatsAppWebhook(body)).toEqual([
      {
        providerMessageId: 'wamid.C',
        status: 'FAILED',
        at: new Date(1750857384_000),
        reason: '131026: Message undeliverable',
      },
    ]);
  });

  it('parses the exact example from PROVIDERS.md', () => {
    const body = JSON.parse(
      '{"object":"whatsapp_business_account","entry":[{"id":"<waba>","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"..."},"statuses":[{"id":"wamid...","status":"delivered","timestamp":"1750857384","recipient_id":"6281...","errors":[{"code":131026,"title":"Message undeliverable"}]}]}}]}]}',
    );
    expect(parseWhatsAppWebhook(body)).toEqual([
      { providerMessageId: 'wamid...', status: 'DELIVERED', at: new Date(1750857384_000) },
    ]);
  });

  it('ignores incoming messages, other fields and garbage', () => {
    expect(parseWhatsAppWebhook(whatsappIncomingMessagePayload('6281234567890', 'halo'))).toEqual([]);
    expect(
      parseWhatsAppWebhook({
        object: 'whatsapp_business_account',
        entry: [{ changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] }],
      }),
    ).toEqual([]);
    expect(parseWhatsAppWebhook(null)).toEqual([]);
    expect(parseWhatsAppWebhook('x')).toEqual([]);
    expect(parseWhatsAppWebhook(whatsappStatusPayload([{ id: 'w', status: 'deleted' as 'sent' }]))).toEqual([]);
  });
});

describe("WhatsApp pricing and Meta's template verdicts", () => {
  it('reads the pricing object of PROVIDERS.md; without a boolean billable there is none', () => {
    const status = (pricing: unknown) => ({
      entry: [
        {
          changes: [
            { field: 'messages', value: { statuses: [{ id: 'w', status: 'sent', timestamp: '1750857384', pricing }] } },
          ],
        },
      ],
    });
    expect(
      parseWhatsAppWebhook(
        status({ billable: false, pricing_model: 'PMP', category: 'Utility', type: 'free_customer_service' }),
      )[0]!.pricing,
    ).toEqual({ billable: false, pricingModel: 'PMP', category: 'utility', type: 'free_customer_service' });
    expect(parseWhatsAppWebhook(status({ billable: 'yes', category: 'utility' }))[0]!.pricing).toBeUndefined();
    expect(parseWhatsAppWebhook(status(undefined))[0]!.pricing).toBeUndefined();
  });

  it('reads status and category changes, with the reason a pause or a disable carries; ignores the rest', () => {
    const change = (field: string, value: unknown) => ({
      object: 'whatsapp_business_account',
      entry: [{ id: 'waba', changes: [{ field, value }] }],
    });
    expect(
      parseWhatsAppTemplateUpdates(
        JSON.parse(
          '{"object":"whatsapp_business_account","entry":[{"id":"<waba>","changes":[{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":1234567890,"message_template_name":"appointment_confirmed","message_template_language":"id","reason":"NONE"}}]}]}',
        ),
      ),
    ).toEqual([{ name: 'appointment_confirmed', language: 'id', event: 'APPROVED' }]);
    expect(
      parseWhatsAppTemplateUpdates(
        change('message_template_status_update', {
          event: 'REJECTED',
          message_template_name: 't',
          message_template_language: 'en_US',
          reason: 'INCORRECT_CATEGORY',
        }),
      ),
    ).toEqual([{ name: 't', language: 'en_us', event: 'REJECTED', reason: 'INCORRECT_CATEGORY' }]);
    expect(
      parseWhatsAppTemplateUpdates(
        change('message_template_status_update', {
          event: 'DISABLED',
          message_template_name: 't',
          message_template_language: 'id',
          reason: 'NONE',
          disable_info: { disable_date: 1764547200 },
        }),
      ),
    ).toEqual([{ name: 't', language: 'id', event: 'DISABLED', reason: 'disabled on 2025-12-01' }]);
    expect(
      parseWhatsAppTemplateUpdates(
        change('message_template_status_update', {
          event: 'PAUSED',
          message_template_name: 't',
          message_template_language: 'id',
          other_info: { title: 'FIRST_PAUSE' },
        }),
      ),
    ).toEqual([{ name: 't', language: 'id', event: 'PAUSED', reason: 'FIRST_PAUSE' }]);
    expect(
      parseWhatsAppTemplateUpdates(
        change('template_category_update', {
          message_template_name: 't',
          message_template_language: 'id',
          previous_category: 'UTILITY',
          new_category: 'MARKETING',
        }),
      ),
    ).toEqual([{ name: 't', language: 'id', newCategory: 'MARKETING', previousCategory: 'UTILITY' }]);
    for (const bad of [
      change('message_template_status_update', { event: 'APPROVED' }),
      change('messages', { event: 'APPROVED', message_template_name: 't', message_template_language: 'id' }),
      null,
      'x',
    ])
      expect(parseWhatsAppTemplateUpdates(bad)).toEqual([]);
  });

  it('reads the Meta code a failure leads with', () => {
    expect(whatsAppErrorCode('132015: Template is paused')).toBe(132015);
    expect(whatsAppErrorCode('HTTP 500: oops')).toBeNull();
  });
});

describe('Twilio status callback', () => {
  const token = '12345';
  const url = 'https://kabar.example/webhooks/sms/tenant-1';
  const params = {
    MessageSid: 'SM1',
    MessageStatus: 'delivered',
    AccountSid: 'AC1',
    To: '+6281234567890',
    From: '+15005550006',
  };

  it('accepts a correct signature', () => {
    expect(verifyTwilioSignature(token, url, params, twilioSignature(token, url, params))).toBe(true);
  });

  it('matches Twilio’s documented example', () => {
    // The worked example from Twilio's "Validating requests" documentation.
    const docParams = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675310',
      Digits: '1234',
      From: '+14158675310',
      To: '+18005551212',
    };
    expect(
      verifyTwilioSignature(
        '12345',
        'https://mycompany.com/myapp.php?foo=1&bar=2',
        docParams,
        'GvWf1cFY/Q7PnoempGyD5oXAezc=',
      ),
    ).toBe(true);
  });

  it('rejects a wrong token, a tampered parameter, another URL, or no header', () => {
    const sig = twilioSignature(token, url, params);
    expect(verifyTwilioSignature('other', url, params, sig)).toBe(false);
    expect(verifyTwilioSignature(token, url, { ...params, MessageStatus: 'read' }, sig)).toBe(false);
    expect(verifyTwilioSignature(token, url, { ...params, Extra: '1' }, sig)).toBe(false);
    expect(verifyTwilioSignature(token, 'https://kabar.example/webhooks/sms/tenant-2', params, sig)).toBe(false);
    expect(verifyTwilioSignature(token, url, params, '')).toBe(false);
    expect(verifyTwilioSignature(token, url, params, undefined)).toBe(false);
  });

  it('tolerates an explicit default port either way', () => {
    const withPort = 'https://kabar.example:443/webhooks/sms/tenant-1';
    expect(verifyTwilioSignature(token, withPort, params, twilioSignature(token, url, params))).toBe(true);
    expect(verifyTwilioSignature(token, url, params, twilioSignature(token, withPort, params))).toBe(true);
  });

  it('maps statuses; queued/sending are not recorded', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseSmsStatus({ MessageSid: 'SM1', MessageStatus: 'queued' }, now)).toBeNull();
    expect(parseSmsStatus({ MessageSid: 'SM1', MessageStatus: 'sending' }, now)).toBeNull();
    expect(parseSmsStatus({ MessageSid: 'SM1', MessageStatus: 'sent' }, now)).toEqual({
      providerMessageId: 'SM1',
      status: 'SENT',
      at: now,
    });
    expect(parseSmsStatus({ MessageSid: 'SM1', MessageStatus: 'delivered' }, now)).toEqual({
      providerMessageId: 'SM1',
      status: 'DELIVERED',
      at: now,
    });
    expect(parseSmsStatus({ MessageSid: 'SM1', MessageStatus: 'read' }, now)?.status).toBe('READ');
    expect(parseSmsStatus({ MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' }, now)).toEqual({
      providerMessageId: 'SM1',
      status: 'FAILED',
      at: now,
      reason: '30003',
    });
    expect(parseSmsStatus({ MessageSid: 'SM1', MessageStatus: 'failed', ErrorCode: '30008' }, now)?.reason).toBe(
      '30008',
    );
    expect(parseSmsStatus({ MessageStatus: 'delivered' }, now)).toBeNull();
  });
});

describe('SNS signature', () => {
  const signer = createSnsSigner({ region: 'ap-southeast-1' });
  const certHostPattern = /^sns\.[a-z0-9-]+\.amazonaws\.com$/;
  const opts = { certHostPattern, fetchCert: signer.fetchCert };

  it('accepts a SignatureVersion 1 notification signed like AWS does', async () => {
    expect(await verifySnsMessage(signer.notification(sesDeliveryMessage('m-1')), opts)).toBe(true);
  });

  it('accepts SignatureVersion 2 (SHA256withRSA) and a Subject', async () => {
    expect(
      await verifySnsMessage(
        signer.notification(sesDeliveryMessage('m-2'), { version: 2, subject: 'Amazon SES Email Event' }),
        opts,
      ),
    ).toBe(true);
  });

  it('accepts subscription confirmations (their own field order)', async () => {
    expect(await verifySnsMessage(signer.subscriptionConfirmation(), opts)).toBe(true);
    expect(await verifySnsMessage(signer.subscriptionConfirmation({ version: 2 }), opts)).toBe(true);
  });

  it('rejects a tampered message, a swapped version, or a missing field', async () => {
    const env = signer.notification(sesDeliveryMessage('m-3'));
    expect(await verifySnsMessage({ ...env, Message: env.Message.replace('m-3', 'm-4') }, opts)).toBe(false);
    expect(await verifySnsMessage({ ...env, Subject: 'added' }, opts)).toBe(false);
    expect(await verifySnsMessage({ ...env, SignatureVersion: '2' }, opts)).toBe(false);
    expect(await verifySnsMessage({ ...env, SignatureVersion: '3' }, opts)).toBe(false);
    const { TopicArn: _drop, ...noTopic } = env;
    expect(await verifySnsMessage(noTopic, opts)).toBe(false);
    expect(await verifySnsMessage({ ...env, Type: 'Other' }, opts)).toBe(false);
  });

  it('rejects certificates from the wrong host or over http', async () => {
    const env = signer.notification(sesDeliveryMessage('m-5'));
    const evil = { ...env, SigningCertURL: 'https://sns.ap-southeast-1.amazonaws.com.evil.test/cert.pem' };
    expect(await verifySnsMessage(evil, { certHostPattern, fetchCert: async () => signer.certPem })).toBe(false);
    const http = { ...env, SigningCertURL: env.SigningCertURL.replace('https:', 'http:') };
    expect(await verifySnsMessage(http, { certHostPattern, fetchCert: async () => signer.certPem })).toBe(false);
  });

  it('rejects a signature by another key, even from a trusted host', async () => {
    const other = createSnsSigner({ region: 'ap-southeast-1' });
    const forged = { ...other.notification(sesDeliveryMessage('m-6')), SigningCertURL: signer.certUrl };
    expect(await verifySnsMessage(forged, opts)).toBe(false);
  });

  it('caches fetched keys', async () => {
    const before = signer.certFetches;
    for (let i = 0; i < 3; i++) await verifySnsMessage(signer.notification(`n${i}`), opts);
    expect(signer.certFetches - before).toBeLessThanOrEqual(1);
  });

  it('returns false when the certificate cannot be fetched', async () => {
    const env = signer.notification('x');
    expect(
      await verifySnsMessage(env, {
        certHostPattern,
        fetchCert: async () => {
          throw new Error('404');
        },
      }),
    ).toBe(false);
  });
});

describe('SES notifications', () => {
  const signer = createSnsSigner();

  it('Delivery → DELIVERED at the delivery time, joined on mail.messageId', () => {
    const at = new Date('2026-03-01T10:00:00.000Z');
    expect(parseSesNotification(signer.notification(sesDeliveryMessage('0100abc-1', 'a@b.c', at)))).toEqual([
      { providerMessageId: '0100abc-1', status: 'DELIVERED', at },
    ]);
  });

  it('permanent Bounce → FAILED with type/subtype and diagnostic', () => {
    const at = new Date('2026-03-01T10:00:00.000Z');
    const [s] = parseSesNotification(
      signer.notification(sesBounceMessage('0100abc-2', 'Permanent', 'NoEmail', 'a@b.c', at)),
    );
    expect(s).toEqual({
      providerMessageId: '0100abc-2',
      status: 'FAILED',
      at,
      reason: 'Bounce Permanent/NoEmail: smtp; 550 5.1.1 user unknown',
    });
  });

  it('transient/undetermined bounces and complaints change nothing', () => {
    expect(parseSesNotification(signer.notification(sesBounceMessage('m', 'Transient', 'MailboxFull')))).toEqual([]);
    expect(parseSesNotification(signer.notification(sesBounceMessage('m', 'Undetermined')))).toEqual([]);
    expect(parseSesNotification(signer.notification(sesComplaintMessage('m')))).toEqual([]);
  });

  it('accepts event-publishing messages (eventType) and ignores non-notifications', () => {
    const { notificationType: _n, ...rest } = sesDeliveryMessage('0100abc-3');
    expect(parseSesNotification(signer.notification({ eventType: 'Delivery', ...rest }))[0]?.status).toBe('DELIVERED');
    expect(parseSesNotification(signer.subscriptionConfirmation())).toEqual([]);
    expect(parseSesNotification({ Type: 'Notification', Message: 'not json' })).toEqual([]);
  });
});
