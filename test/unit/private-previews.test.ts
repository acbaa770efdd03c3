import { describe, expect, it } from 'vitest';
import { notifyingEventTypes, type ChannelName, type LanguageCode } from '../../src/events/catalogue.js';
import { renderMessage, type Rendered, type RenderOptions } from '../../src/services/rendering.service.js';
import type { PlannedMessage } from '../../src/services/recipients.service.js';
import { PRIVATE_PREVIEWS_KEY } from '../../src/services/reference-data.service.js';
import type { TemplateView } from '../../src/services/templates.service.js';
import type { TenantRow } from '../../src/services/tenants.service.js';
import { defaultTemplate } from '../../src/templates/defaults.js';
import { CLINICAL_EVENT_PATTERNS, isClinicalEvent } from '../../src/templates/private.js';
import { sampleData } from '../helpers/events.js';

const tenant = { id: 't1', name: 'RS Sehat Group', timezone: 'Asia/Jakarta' } as TenantRow;
const ON: RenderOptions = { privatePreviews: true };
const LANGS: LanguageCode[] = ['ID', 'EN', 'FR'];

// sampleData: prescription RX-7781 by "dr. Andi Wijaya, Sp.PD" at "Klinik Sehat Menteng".
const PRIVATE: Record<LanguageCode, string> = {
  ID: 'Anda memiliki pesan baru dari RS Sehat Group (Klinik Sehat Menteng). Buka WhatsApp atau email Anda untuk membacanya.',
  EN: 'You have a new message from RS Sehat Group (Klinik Sehat Menteng). Open WhatsApp or your email to read it.',
  FR: 'RS Sehat Group (Klinik Sehat Menteng) vous a envoyé un nouveau message. Ouvrez WhatsApp ou vos e-mails pour le lire.',
};

function defaultView(eventType: string, channel: ChannelName, language: LanguageCode): TemplateView {
  const d = defaultTemplate(eventType, channel, language)!;
  return {
    ...d,
    id: `default:${eventType}`,
    isDefault: true,
    updatedAt: new Date(0),
    whatsAppStatus: null,
    whatsAppStatusReason: null,
  };
}

function render(
  eventType: string,
  channel: ChannelName,
  language: LanguageCode,
  opts?: RenderOptions,
  data: unknown = sampleData(eventType, { pushTokens: ['tok'] }),
  template = defaultView(eventType, channel, language),
): Rendered {
  const m: PlannedMessage = {
    channel,
    recipient: 'to',
    recipientRef: 'p',
    recipientKind: 'patient',
    language,
    ...(eventType === 'doctor.emergency_leave' ? { affectedIndex: 0 } : {}),
  };
  return renderMessage(template, tenant, eventType, data, m, opts);
}

describe('private previews: lock-screen-safe SMS and push for clinical events', () => {
  it('the reference-data key is Private_Previews', () => {
    expect(PRIVATE_PREVIEWS_KEY).toBe('Private_Previews');
  });

  it('clinical events are every appointment event, doctor leave, prescription, report and registration; not walk-in, staff or admin', () => {
    expect(CLINICAL_EVENT_PATTERNS).toEqual([
      'appointment.*',
      'doctor.emergency_leave',
      'prescription.ready',
      'report.ready',
      'patient.registered',
    ]);
    expect(notifyingEventTypes().filter(isClinicalEvent).sort()).toEqual([
      'appointment.cancelled',
      'appointment.completed',
      'appointment.confirmed',
      'appointment.no_show',
      'appointment.pending_approval',
      'appointment.rejected',
      'appointment.reminder',
      'appointment.rescheduled',
      'doctor.emergency_leave',
      'patient.registered',
      'prescription.ready',
      'report.ready',
    ]);
    for (const t of [
      'walkin.token_called',
      'walkin.approaching_turn',
      'billing.bill_generated',
      'lab.test_requested',
      'credit.insufficient',
    ])
      expect(isClinicalEvent(t), t).toBe(false);
  });

  for (const lang of LANGS) {
    it(`${lang}: prescription.ready SMS and push name the tenant and centre, and neither the prescription nor the doctor`, () => {
      const sms = render('prescription.ready', 'SMS', lang, ON);
      expect(sms).toEqual({ ok: true, body: PRIVATE[lang], content: { channel: 'SMS', body: PRIVATE[lang] } });
      const push = render('prescription.ready', 'PUSH', lang, ON);
      // renderedBody is the private text too: it is what the patient was sent.
      expect(push).toEqual({
        ok: true,
        body: PRIVATE[lang],
        content: { channel: 'PUSH', title: 'RS Sehat Group', body: PRIVATE[lang] },
      });
      for (const text of [JSON.stringify(sms), JSON.stringify(push)]) {
        expect(text).not.toContain('RX-7781');
        expect(text).not.toContain('Andi');
        expect(text).not.toContain('apotek');
      }
    });

    it(`${lang}: off, prescription.ready SMS and push carry the full text`, () => {
      for (const channel of ['SMS', 'PUSH'] as const) {
        const full = render('prescription.ready', channel, lang);
        expect(render('prescription.ready', channel, lang, { privatePreviews: false })).toEqual(full);
        expect(full.ok && full.body).toContain('RX-7781');
      }
    });

    it(`${lang}: WhatsApp and email are unchanged, walk-in SMS and push too`, () => {
      for (const channel of ['WHATSAPP', 'EMAIL'] as const) {
        const on = render('prescription.ready', channel, lang, ON);
        expect(on).toEqual(render('prescription.ready', channel, lang));
        expect(on.ok && on.body).toContain('RX-7781');
      }
      for (const type of ['walkin.token_called', 'walkin.approaching_turn']) {
        for (const channel of ['SMS', 'PUSH'] as const) {
          const data = { ...sampleData('walkin.token_called'), threshold: 3 };
          const on = render(type, channel, lang, ON, data);
          expect(on, `${type} ${channel}`).toEqual(render(type, channel, lang, undefined, data));
          expect(on.ok && on.body).toContain('A-017');
        }
      }
    });
  }

  it('exact English texts, on and off, for prescription.ready SMS', () => {
    expect(render('prescription.ready', 'SMS', 'EN')).toEqual({
      ok: true,
      body: 'Klinik Sehat Menteng: your prescription RX-7781 is ready. Pickup: Ambil di apotek lantai 1',
      content: {
        channel: 'SMS',
        body: 'Klinik Sehat Menteng: your prescription RX-7781 is ready. Pickup: Ambil di apotek lantai 1',
      },
    });
    expect(render('prescription.ready', 'SMS', 'EN', ON)).toMatchObject({ body: PRIVATE.EN });
  });

  it('wins over a tenant override that would reveal the doctor', () => {
    const override: TemplateView = {
      ...defaultView('prescription.ready', 'SMS', 'EN'),
      isDefault: false,
      body: '{{doctor.name}} prescribed {{prescription.number}}',
    };
    expect(render('prescription.ready', 'SMS', 'EN', undefined, undefined, override)).toMatchObject({
      body: 'dr. Andi Wijaya, Sp.PD prescribed RX-7781',
    });
    expect(render('prescription.ready', 'SMS', 'EN', ON, undefined, override)).toMatchObject({ body: PRIVATE.EN });
  });

  it('names the centre only when it differs from the tenant', () => {
    // A copy: sampleData shares its centre object between calls.
    const data = { ...sampleData('report.ready'), centre: { id: 'c-1', name: 'rs sehat group' } };
    expect(render('report.ready', 'SMS', 'EN', ON, data)).toMatchObject({
      body: 'You have a new message from RS Sehat Group. Open WhatsApp or your email to read it.',
    });
    expect(render('report.ready', 'SMS', 'FR', ON, data)).toMatchObject({
      body: 'RS Sehat Group vous a envoyé un nouveau message. Ouvrez WhatsApp ou vos e-mails pour le lire.',
    });
  });

  it('every clinical event renders its private SMS and push in every language, with nothing from the event but the centre', () => {
    const samples: Record<string, unknown> = {
      'appointment.reminder': { ...sampleData('appointment.confirmed'), offsetMinutes: 120 },
    };
    for (const type of notifyingEventTypes().filter(isClinicalEvent)) {
      const data = samples[type] ?? sampleData(type, { pushTokens: ['tok'] });
      for (const lang of LANGS) {
        expect(render(type, 'SMS', lang, ON, data), `${type} ${lang}`).toMatchObject({ ok: true, body: PRIVATE[lang] });
        expect(render(type, 'PUSH', lang, ON, data), `${type} ${lang}`).toMatchObject({
          ok: true,
          content: { title: 'RS Sehat Group', body: PRIVATE[lang] },
        });
      }
    }
  });
});
