import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startKabar, type TestKabar } from '../helpers/app.js';

const LIST =
  'query($e: String, $c: Channel, $l: Language) { templates(eventType: $e, channel: $c, language: $l) { id eventType channel language subject body whatsAppTemplateName whatsAppCategory isDefault } }';
const UPSERT =
  'mutation($input: TemplateInput!) { upsertTemplate(input: $input) { id eventType channel language subject body whatsAppTemplateName whatsAppCategory isDefault } }';

describe('templates', () => {
  let k: TestKabar;
  beforeAll(async () => {
    k = await startKabar();
  });
  afterAll(async () => k.stop());

  it('ships a default for every event type × channel × language', async () => {
    const t = await k.newTenant();
    const all = (await k.gql(t.staff, LIST)).data.templates as any[];
    const events = (await k.gql(t.staff, 'query { eventChannels { eventType } }')).data.eventChannels.map(
      (e: any) => e.eventType,
    );
    // Written out, not computed from the product: 25 notifying event types × 4 channels × 3 languages.
    expect(events).toHaveLength(25);
    expect(all).toHaveLength(300);
    expect(all.every((x) => x.isDefault)).toBe(true);
    const wa = all.find(
      (x) => x.eventType === 'appointment.confirmed' && x.channel === 'WHATSAPP' && x.language === 'ID',
    );
    expect(wa).toMatchObject({
      whatsAppTemplateName: 'kabar_appointment_confirmed',
      whatsAppCategory: 'UTILITY',
      subject: null,
    });
    expect(wa.body).toContain('{{patient.name}}');
    const email = all.find(
      (x) => x.eventType === 'doctor.emergency_leave' && x.channel === 'EMAIL' && x.language === 'FR',
    );
    expect(email.subject).toBeTruthy();
    expect(email.body).toContain('{{rescheduleUrl}}');
    expect(email.body).toContain('{{refund.amount}}');
  });

  it('lets a tenant override one template without touching other tenants, and reset it', async () => {
    const t = await k.newTenant();
    const other = await k.newTenant();
    const input = {
      eventType: 'appointment.confirmed',
      channel: 'SMS',
      language: 'EN',
      body: 'Hi {{patient.name}}, see you {{appointment.slotDate}} at {{appointment.slotTime}}. Ref {{appointment.bookingReference}}',
    };
    const saved = await k.gql(t.admin, UPSERT, { input });
    expect(saved.errors).toBeUndefined();
    expect(saved.data.upsertTemplate).toMatchObject({ ...input, isDefault: false });
    const mine = await k.gql(t.staff, LIST, { e: 'appointment.confirmed', c: 'SMS', l: 'EN' });
    expect(mine.data.templates).toEqual([saved.data.upsertTemplate]);
    const theirs = await k.gql(other.staff, LIST, { e: 'appointment.confirmed', c: 'SMS', l: 'EN' });
    expect(theirs.data.templates[0].isDefault).toBe(true);
    // Saving again updates in place.
    const again = await k.gql(t.admin, UPSERT, { input: { ...input, body: 'Hello {{patient.name}}' } });
    expect(again.data.upsertTemplate.id).toBe(saved.data.upsertTemplate.id);
    const reset = await k.gql(
      t.admin,
      'mutation { resetTemplate(eventType: "appointment.confirmed", channel: SMS, language: EN) { isDefault body } }',
    );
    expect(reset.data.resetTemplate.isDefault).toBe(true);
    expect(
      codeOf(
        await k.gql(
          t.admin,
          'mutation { resetTemplate(eventType: "appointment.confirmed", channel: SMS, language: EN) { isDefault } }',
        ),
      ),
    ).toBe('NOT_FOUND');
    const audit = await k.gql(
      t.admin,
      'query { auditLog(filter: { entityType: "template" }) { edges { node { action entityId } } } }',
    );
    expect(audit.data.auditLog.edges.map((e: any) => e.node.action)).toEqual([
      'config.template.reset',
      'config.template.upsert',
      'config.template.upsert',
    ]);
  });

  it('rejects templates that could render a missing or unknown value, and channel mismatches', async () => {
    const t = await k.newTenant();
    const base = {
      eventType: 'appointment.confirmed',
      channel: 'EMAIL',
      language: 'EN',
      subject: 'Booking {{appointment.bookingReference}}',
      body: 'Dear {{patient.name}}',
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ body: 'Dear {{patient.shoeSize}}' }, 'input.body'],
      [{ body: 'Paid {{financial.amount}}' }, 'input.body'], // optional value outside a section
      [{ body: '{{#financial.amount}}Paid {{financial.amount}}' }, 'input.body'], // unclosed section
      [{ subject: null }, 'input.subject'],
      [{ eventType: 'walkin.queue_updated' }, 'input.eventType'],
      [{ channel: 'WHATSAPP', subject: null }, 'input.whatsAppTemplateName'],
      [
        { channel: 'WHATSAPP', subject: null, whatsAppTemplateName: 'Bad Name!', whatsAppCategory: 'UTILITY' },
        'input.whatsAppTemplateName',
      ],
      [{ channel: 'SMS', subject: 'no subjects on SMS' }, 'input.subject'],
      [{ whatsAppTemplateName: 'x', whatsAppCategory: 'UTILITY' }, 'input.whatsAppTemplateName'],
    ];
    for (const [patch, field] of cases) {
      const res = await k.gql(t.admin, UPSERT, { input: { ...base, ...patch } });
      expect(res.errors?.[0]?.extensions, JSON.stringify(patch)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const ok = await k.gql(t.admin, UPSERT, {
      input: {
        ...base,
        body: 'Dear {{patient.name}}{{#financial.amount}}, paid {{financial.amount}}{{/financial.amount}}.',
      },
    });
    expect(ok.errors).toBeUndefined();
    const wa = await k.gql(t.admin, UPSERT, {
      input: {
        ...base,
        channel: 'WHATSAPP',
        subject: null,
        body: 'Hi {{patient.name}}',
        whatsAppTemplateName: 'clinic_booking_v2',
        whatsAppCategory: 'UTILITY',
      },
    });
    expect(wa.data.upsertTemplate).toMatchObject({
      whatsAppTemplateName: 'clinic_booking_v2',
      whatsAppCategory: 'UTILITY',
    });
    expect(codeOf(await k.gql(t.staff, UPSERT, { input: base }))).toBe('FORBIDDEN');
  });
});
