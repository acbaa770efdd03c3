import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FAKE_FCM_ACCESS_TOKEN,
  shippedWhatsAppTemplates,
  startFakeProviders,
  type FakeProviders,
} from '../fakes/index.js';

// The shared fakes refuse what the providers refuse, and before any injected fault: a test whose
// request is malformed sees the provider's refusal, never a fault that hides it.

let f: FakeProviders;
beforeAll(async () => {
  f = await startFakeProviders();
});
afterAll(async () => {
  await f?.close();
});
beforeEach(() => f.reset());

const KEY = 'd360-strict-key';
const waSend = (key: string, name: string, language: string, params: string[]) =>
  fetch(`${f.whatsapp.url}/messages`, {
    method: 'POST',
    headers: { 'D360-API-KEY': key, 'content-type': 'application/json' },
    body: JSON.stringify({
      messaging_product: 'whatsapp',
      to: '6281234567890',
      type: 'template',
      template: {
        name,
        language: { policy: 'deterministic', code: language },
        components: [{ type: 'body', parameters: params.map((text) => ({ type: 'text', text })) }],
      },
    }),
  });
const metaCode = async (res: Response) => ((await res.json()) as { error?: { code: number } }).error?.code;
/** kabar_appointment_confirmed (EN): patient, doctor, centre, date, time, booking reference. */
const SIX = ['Siti', 'dr. Andi', 'Klinik', '2026-12-05', '09:00', 'BK-1'];

describe('WhatsApp fake (360dialog + Meta)', () => {
  it("approves Kabar's shipped templates in ID, EN and FR with the parameters their bodies have", () => {
    const shipped = shippedWhatsAppTemplates();
    expect(Object.keys(shipped)).toHaveLength(25);
    expect(shipped.kabar_appointment_confirmed).toEqual({ languages: ['id', 'en', 'fr'], parameters: 6 });
    expect(shipped.kabar_appointment_rescheduled!.parameters).toBe(8);
    expect(shipped.kabar_credit_insufficient!.parameters).toBe(2);
  });

  it('refuses a key it did not issue (401), before a queued fault', async () => {
    f.whatsapp.fail(1, '5xx');
    expect((await waSend('never-issued', 'kabar_appointment_confirmed', 'en', SIX)).status).toBe(401);
    f.whatsapp.issueKey(KEY);
    expect((await waSend(KEY, 'kabar_appointment_confirmed', 'en', SIX)).status).toBe(502); // the fault strikes the valid request
    expect((await waSend(KEY, 'kabar_appointment_confirmed', 'en', SIX)).status).toBe(200);
    expect(f.whatsapp.received).toHaveLength(1);
  });

  it('refuses an unknown template, an unapproved language and a wrong parameter count, before a queued fault', async () => {
    f.whatsapp.issueKey(KEY);
    f.whatsapp.fail(1, 'timeout');
    const unknown = await waSend(KEY, 'kabar_no_such_thing', 'en', SIX);
    expect([unknown.status, await metaCode(unknown)]).toEqual([404, 132001]);
    const language = await waSend(KEY, 'kabar_appointment_confirmed', 'de', SIX);
    expect([language.status, await metaCode(language)]).toEqual([404, 132001]);
    const count = await waSend(KEY, 'kabar_appointment_confirmed', 'en', SIX.slice(1));
    expect([count.status, await metaCode(count)]).toEqual([400, 132000]);
    f.whatsapp.approveTemplate('clinic_custom', 'en', 1);
    f.reset();
    expect((await waSend(KEY, 'clinic_custom', 'en', ['Budi'])).status).toBe(200);
    expect(f.whatsapp.received.map((m) => m.templateName)).toEqual(['clinic_custom']);
  });
});

describe('FCM fake', () => {
  const push = (token: string) =>
    fetch(`${f.fcm.url}/v1/projects/${f.fcm.projectId}/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: { token: 'device-1', notification: { title: 'T', body: 'B' } } }),
    });

  it('takes only its bearer token, and validates before a queued fault', async () => {
    f.fcm.fail(1, '5xx');
    expect((await push('any-token')).status).toBe(401);
    const invalid = await fetch(`${f.fcm.url}/v1/projects/${f.fcm.projectId}/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAKE_FCM_ACCESS_TOKEN}` },
      body: JSON.stringify({ message: { topic: 't', token: 'x' } }),
    });
    expect(invalid.status).toBe(400);
    expect((await push(FAKE_FCM_ACCESS_TOKEN)).status).toBe(503);
    expect((await push(FAKE_FCM_ACCESS_TOKEN)).status).toBe(200);
    expect(f.fcm.received).toHaveLength(1);
  });
});
