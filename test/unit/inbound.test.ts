import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseSmsInbound,
  toE164,
  twilioSignedFields,
  urlVariants,
  verifyTwilioSignature,
} from '../../src/channels/sms.channel.js';
import { parseWhatsAppInbound, parseWhatsAppWebhook, textBody } from '../../src/channels/whatsapp.channel.js';
import { keywordReply, matchKeyword } from '../../src/services/keywords.service.js';
import { whatsappInboundPayload, whatsappStatusPayload } from '../fakes/whatsapp.js';

describe('keyword matcher', () => {
  it.each([
    'STOP',
    'stop',
    ' stop! ',
    'Stop.',
    'BERHENTI',
    'Berhenti.',
    'berhenti!!',
    'ARRÊT',
    'arrêt',
    'Arret',
    'ARRET',
    'unsubscribe',
    'UNSUBSCRIBE ?',
    '«STOP»',
    '\tStop\n',
    'STOP 🙏',
    '"stop"',
  ])('%j opts out', (text) => expect(matchKeyword(text)).toBe('OPTED_OUT'));

  it.each([
    'START',
    'start',
    ' Start. ',
    'MULAI',
    'mulai!',
    'DÉMARRER',
    'démarrer',
    'Demarrer',
    'subscribe',
    'SUBSCRIBE!',
  ])('%j opts in', (text) => expect(matchKeyword(text)).toBe('OPTED_IN'));

  it.each([
    '',
    '   ',
    '!!!',
    'hello, what time is my appointment?',
    'please stop',
    "don't stop my reminders",
    'stop by tomorrow?',
    'STOPP',
    'S T O P',
    'start-up',
    'mulai besok',
    'unsubscribed',
    'arrêter',
  ])('%j is just text', (text) => expect(matchKeyword(text)).toBeNull());
});

describe('keyword confirmations', () => {
  it('name the tenant and the channel, and how to undo it, in the patient’s language', () => {
    expect(keywordReply('OPTED_OUT', 'ID', 'RS Sehat', 'WHATSAPP')).toBe(
      'Anda tidak akan lagi menerima pesan dari RS Sehat melalui WhatsApp. Balas MULAI untuk berlangganan kembali.',
    );
    expect(keywordReply('OPTED_IN', 'ID', 'RS Sehat', 'SMS')).toBe(
      'Anda akan kembali menerima pesan dari RS Sehat melalui SMS. Balas BERHENTI untuk berhenti berlangganan.',
    );
    expect(keywordReply('OPTED_OUT', 'EN', 'RS Sehat', 'SMS')).toBe(
      'You will no longer receive messages from RS Sehat on SMS. Reply START to subscribe again.',
    );
    expect(keywordReply('OPTED_IN', 'EN', 'RS Sehat', 'WHATSAPP')).toBe(
      'You will receive messages from RS Sehat on WhatsApp again. Reply STOP to unsubscribe.',
    );
    expect(keywordReply('OPTED_OUT', 'FR', 'RS Sehat', 'WHATSAPP')).toBe(
      'Vous ne recevrez plus de messages de RS Sehat par WhatsApp. Répondez DÉMARRER pour vous réabonner.',
    );
    expect(keywordReply('OPTED_IN', 'FR', 'RS Sehat', 'SMS')).toBe(
      'Vous recevrez à nouveau les messages de RS Sehat par SMS. Répondez ARRÊT pour vous désabonner.',
    );
  });

  it('each undo word is itself a keyword of the other kind', () => {
    for (const lang of ['ID', 'EN', 'FR'] as const) {
      const undoOut = /(MULAI|START|DÉMARRER)/.exec(keywordReply('OPTED_OUT', lang, 'X', 'SMS'))![1]!;
      const undoIn = /(BERHENTI|STOP|ARRÊT)/.exec(keywordReply('OPTED_IN', lang, 'X', 'SMS'))![1]!;
      expect(matchKeyword(undoOut)).toBe('OPTED_IN');
      expect(matchKeyword(undoIn)).toBe('OPTED_OUT');
    }
  });
});

describe('WhatsApp inbound messages', () => {
  it('reads typed text, button and interactive replies; from becomes E.164', () => {
    const body = whatsappInboundPayload('6281234567890', [
      { id: 'wamid.1', text: 'BERHENTI' },
      { id: 'wamid.2', type: 'button', text: 'Stop promotions', payload: 'STOP_PROMO' },
      { id: 'wamid.3', type: 'interactive', title: 'Mulai' },
      { id: 'wamid.4', type: 'interactive', title: 'Arrêt', list: true },
    ]);
    expect(parseWhatsAppInbound(body)).toEqual([
      { providerMessageId: 'wamid.1', from: '+6281234567890', body: 'BERHENTI' },
      { providerMessageId: 'wamid.2', from: '+6281234567890', body: 'Stop promotions' },
      { providerMessageId: 'wamid.3', from: '+6281234567890', body: 'Mulai' },
      { providerMessageId: 'wamid.4', from: '+6281234567890', body: 'Arrêt' },
    ]);
    expect(parseWhatsAppWebhook(body)).toEqual([]);
  });

  it('parses the exact example from PROVIDERS.md', () => {
    const body = JSON.parse(
      '{"object":"whatsapp_business_account","entry":[{"id":"<waba>","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"6281100000000","phone_number_id":"..."},"contacts":[{"profile":{"name":"Siti"},"wa_id":"6281234567890"}],"messages":[{"from":"6281234567890","id":"wamid.HBgN...","timestamp":"1764750000","type":"text","text":{"body":"BERHENTI"}}]}}]}]}',
    );
    expect(parseWhatsAppInbound(body)).toEqual([
      { providerMessageId: 'wamid.HBgN...', from: '+6281234567890', body: 'BERHENTI' },
    ]);
  });

  it('media has no text; no id, no usable sender, statuses, other fields and garbage yield nothing', () => {
    const media = {
      object: 'whatsapp_business_account',
      entry: [
        {
          changes: [
            {
              field: 'messages',
              value: { messages: [{ from: '628123456789', id: 'wamid.img', type: 'image', image: { id: 'm1' } }] },
            },
          ],
        },
      ],
    };
    expect(parseWhatsAppInbound(media)).toEqual([{ providerMessageId: 'wamid.img', from: '+628123456789', body: '' }]);
    const bad = {
      entry: [
        {
          changes: [
            {
              field: 'messages',
              value: {
                messages: [
                  { from: '628123456789', type: 'text', text: { body: 'STOP' } },
                  { from: 'abc', id: 'w', type: 'text', text: { body: 'STOP' } },
                  null,
                ],
              },
            },
          ],
        },
      ],
    };
    expect(parseWhatsAppInbound(bad)).toEqual([]);
    expect(parseWhatsAppInbound(whatsappStatusPayload([{ id: 'w', status: 'read' }]))).toEqual([]);
    expect(
      parseWhatsAppInbound({
        entry: [
          {
            changes: [
              {
                field: 'message_template_status_update',
                value: { messages: [{ from: '628123456789', id: 'x', type: 'text', text: { body: 'STOP' } }] },
              },
            ],
          },
        ],
      }),
    ).toEqual([]);
    expect(parseWhatsAppInbound(null)).toEqual([]);
    expect(parseWhatsAppInbound('STOP')).toEqual([]);
  });

  it('the answer is a free-form text to the number without "+"', () => {
    expect(textBody({ apiKey: 'k', to: '+6281234567890', body: 'Halo', reference: 'd-1' })).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '6281234567890',
      type: 'text',
      text: { body: 'Halo' },
      biz_opaque_callback_data: 'd-1',
    });
  });
});

describe('SMS inbound and the Twilio signature', () => {
  const token = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
  // By hand: base64(HMAC-SHA1(token, url + each key+value, keys sorted)).
  const hmac = (data: string) => createHmac('sha1', token).update(data, 'utf8').digest('base64');

  it('matches a hand-computed HMAC-SHA1', () => {
    const url = 'https://kabar.example/webhooks/sms/t1/inbound';
    const params = { To: '+15005550006', From: '+6281234567890', MessageSid: 'SM1', Body: 'STOP' };
    const sig = hmac(
      'https://kabar.example/webhooks/sms/t1/inboundBodySTOPFrom+6281234567890MessageSidSM1To+15005550006',
    );
    expect(verifyTwilioSignature(token, url, params, sig)).toBe(true);
    expect(verifyTwilioSignature(token, url, { ...params, Body: 'START' }, sig)).toBe(false);
  });

  it('signs a repeated field once per distinct value, values sorted (as the twilio package does)', () => {
    const url = 'https://kabar.example/webhooks/sms/t1/inbound';
    const params = { MessageSid: 'SM1', MediaUrl: ['https://m/b', 'https://m/a'] };
    expect(twilioSignedFields(params)).toBe('MediaUrlhttps://m/aMediaUrlhttps://m/bMessageSidSM1');
    const sig = hmac(`${url}MediaUrlhttps://m/aMediaUrlhttps://m/bMessageSidSM1`);
    expect(verifyTwilioSignature(token, url, params, sig)).toBe(true);
    expect(verifyTwilioSignature(token, url, { MessageSid: 'SM1', MediaUrl: 'https://m/a,https://m/b' }, sig)).toBe(
      false,
    );
    const single = hmac(`${url}BodySTOPMessageSidSM1`);
    expect(verifyTwilioSignature(token, url, { Body: 'STOP', MessageSid: 'SM1' }, single)).toBe(true);
    // A value sent twice is signed once: twilio's validator puts a field's values in a Set.
    expect(verifyTwilioSignature(token, url, { Body: ['STOP', 'STOP'], MessageSid: ['SM1', 'SM1'] }, single)).toBe(
      true,
    );
    expect(verifyTwilioSignature(token, url, { Body: ['STOP', 'stop'], MessageSid: 'SM1' }, single)).toBe(false);
  });

  it('accepts the URL with or without its port, as Twilio’s validators do', () => {
    const params = { MessageSid: 'SM1', Body: 'STOP' };
    const fields = 'BodySTOPMessageSidSM1';
    // Kabar's public URL names a port; Twilio signed without it.
    expect(
      verifyTwilioSignature(
        token,
        'http://127.0.0.1:8080/webhooks/sms/t1/inbound',
        params,
        hmac(`http://127.0.0.1/webhooks/sms/t1/inbound${fields}`),
      ),
    ).toBe(true);
    // Kabar's public URL names none; Twilio signed with the scheme's default port.
    expect(
      verifyTwilioSignature(
        token,
        'https://kabar.example/webhooks/sms/t1/inbound',
        params,
        hmac(`https://kabar.example:443/webhooks/sms/t1/inbound${fields}`),
      ),
    ).toBe(true);
    expect(
      verifyTwilioSignature(token, 'https://kabar.example:443/x', params, hmac(`https://kabar.example/x${fields}`)),
    ).toBe(true);
    // Another port, scheme or host is another URL.
    expect(
      verifyTwilioSignature(token, 'http://127.0.0.1:8080/x', params, hmac(`http://127.0.0.1:9090/x${fields}`)),
    ).toBe(false);
    expect(
      verifyTwilioSignature(token, 'https://kabar.example/x', params, hmac(`https://kabar.example:80/x${fields}`)),
    ).toBe(false);
    expect(
      verifyTwilioSignature(token, 'https://kabar.example/x', params, hmac(`http://kabar.example/x${fields}`)),
    ).toBe(false);
    expect(urlVariants('http://127.0.0.1:8080/a?b=1')).toEqual([
      'http://127.0.0.1/a?b=1',
      'http://127.0.0.1:8080/a?b=1',
    ]);
    expect(urlVariants('https://k.example/a')).toEqual(['https://k.example/a', 'https://k.example:443/a']);
  });

  it('reads an inbound SMS; From must be a phone number', () => {
    expect(parseSmsInbound({ MessageSid: 'SM1', From: '+6281234567890', To: '+15005550006', Body: ' stop! ' })).toEqual(
      { providerMessageId: 'SM1', from: '+6281234567890', body: ' stop! ' },
    );
    expect(parseSmsInbound({ SmsSid: 'SM2', From: '+6281234567890' })).toEqual({
      providerMessageId: 'SM2',
      from: '+6281234567890',
      body: '',
    });
    expect(parseSmsInbound({ MessageSid: 'SM3', From: 'KLINIK', Body: 'STOP' })).toBeNull();
    expect(parseSmsInbound({ From: '+6281234567890', Body: 'STOP' })).toBeNull();
    expect(toE164('6281234567890')).toBe('+6281234567890');
    expect(toE164('+62 812-3456-7890')).toBe('+6281234567890');
    expect(toE164('0812')).toBeNull();
    expect(toE164('+0812345678')).toBeNull();
  });
});
