import { describe, it, expect } from 'vitest';
import {
  CHANNELS,
  EVENT_TYPES,
  LANGUAGES,
  notifyingEventTypes,
  validateEventData,
} from '../../src/events/catalogue.js';
import { DEFAULT_TEMPLATES, defaultTemplate } from '../../src/templates/defaults.js';
import {
  checkTemplate,
  escapeHtml,
  MissingVariablesError,
  parseTemplate,
  renderTemplate,
  TemplateSyntaxError,
  whatsAppParameters,
} from '../../src/templates/render.js';
import { formatOffset } from '../../src/templates/value-formats.js';
import { buildVariables, VARIABLES, variablesFor } from '../../src/templates/variables.js';

// Full sample data (every optional field set) for every event type.
const patient = {
  id: 'p-19',
  name: 'Siti Rahma',
  phone: '+6281234567890',
  email: 'siti@example.id',
  language: 'id',
  pushTokens: ['tok'],
};
const appointment = {
  id: 'a-88',
  bookingReference: 'BK-1042',
  slotStart: '2026-11-25T10:30:00+07:00',
  slotEnd: '2026-11-25T11:00:00+07:00',
  status: 'confirmed',
};
const doctor = { id: 'd-3', name: 'dr. Andi Wijaya, Sp.PD' };
const centre = { id: 'c-1', name: 'Klinik Sehat Menteng', timezone: 'Asia/Jakarta', phone: '+62215550123' };
const financial = { amount: '150000', currency: 'IDR', paymentStatus: 'paid' };
const walkIn = { tokenNumber: 'A-012', queueName: 'Poli Umum', position: 2, room: 'Ruang 3' };
const appt = { patient, appointment, doctor, centre };
const pkg = { package: { id: 'k', name: 'Paket Fisioterapi 10x', remainingUses: 4 }, patient, centre };
const tenant = { id: 't-1', name: 'RS Sehat Group' };

const SAMPLES: Record<string, unknown> = {
  'appointment.confirmed': { ...appt, financial },
  'appointment.pending_approval': appt,
  'appointment.rejected': { ...appt, reason: 'Jadwal dokter penuh' },
  'appointment.cancelled': {
    ...appt,
    cancelledBy: 'staff',
    reason: 'Dokter berhalangan',
    financial: { ...financial, paymentStatus: 'refunded' },
  },
  'appointment.rescheduled': { ...appt, previousSlotStart: '2026-11-24T09:00:00+07:00' },
  'appointment.completed': appt,
  'appointment.no_show': appt,
  'appointment.reminder': { ...appt, offsetMinutes: 120 },
  'walkin.token_called': { patient, walkIn, centre },
  'walkin.queue_updated': { patient, walkIn, centre },
  'walkin.approaching_turn': { patient, walkIn, centre, threshold: 3 },
  'prescription.ready': {
    patient,
    prescription: {
      number: 'RX-77',
      status: 'allocated',
      paymentInstructions: 'Bayar di kasir 2',
      pickupInstructions: 'Ambil di apotek lantai 1',
    },
    doctor,
    centre,
  },
  'report.ready': { patient, report: { id: 'r-1', name: 'Hematologi lengkap' }, doctor, centre },
  'patient.registered': {
    patient,
    centre,
    clinicService: 'Poli Penyakit Dalam',
    hospitalContact: '+62215550123',
    appointment,
    doctor,
  },
  'patient.preferences_updated': {
    patient,
    preferences: [
      { channel: 'whatsapp', status: 'opted_out', evidence: 'form-17' },
      { channel: 'sms', category: 'reminders', status: 'opted_in' },
    ],
  },
  'doctor.emergency_leave': {
    doctor,
    centre,
    leaveFrom: '2026-11-25T00:00:00+07:00',
    leaveUntil: '2026-11-27T23:59:00+07:00',
    affected: [
      { patient, appointment, refund: financial, rescheduleUrl: 'https://rs.example.id/r/BK-1042' },
      {
        patient: { id: 'p-2', name: 'Budi' },
        appointment: { ...appointment, bookingReference: 'BK-2000' },
        refund: { amount: '75000.5', currency: 'IDR' },
        rescheduleUrl: 'https://rs.example.id/r/BK-2000',
      },
    ],
  },
  'credit.purchase_status': {
    purchase: {
      id: 'cp-1',
      amount: '500000',
      currency: 'IDR',
      status: 'failed',
      reference: 'INV-9',
      failureReason: 'Kartu ditolak',
    },
    tenant,
  },
  'billing.bill_generated': {
    bill: { id: 'b', number: 'INV-2026-001', amount: '350000', currency: 'IDR' },
    patient,
    centre,
  },
  'billing.refund_processed': {
    refund: { id: 'rf', amount: '150000', currency: 'IDR', reason: 'Dokter cuti' },
    patient,
    centre,
  },
  'billing.deposit_received': { deposit: { id: 'dp', amount: '1000000', currency: 'IDR' }, patient, centre },
  'package.purchased': pkg,
  'package.redeemed': pkg,
  'package.expired': pkg,
  'package.exhausted': { ...pkg, package: { ...pkg.package, remainingUses: 0 } },
  'lab.test_requested': { test: { id: 't', name: 'Hematologi lengkap', priority: 'urgent' }, patient, doctor, centre },
  'credit.insufficient': {
    balance: '120',
    currency: 'IDR',
    required: '450',
    eventType: 'appointment.confirmed',
    deliveryId: 'dl-1',
    tenant,
  },
  'whatsapp.template_status': {
    template: {
      name: 'kabar_appointment_confirmed',
      language: 'id',
      status: 'PAUSED',
      event: 'PAUSED',
      reason: 'Low quality',
      category: 'MARKETING',
      previousCategory: 'UTILITY',
    },
    tenant,
  },
};

describe('renderTemplate', () => {
  it('inserts variables, with whitespace inside braces', () => {
    expect(
      renderTemplate('Halo {{ patient.name }}, {{doctor.name}}.', {
        'patient.name': 'Siti',
        'doctor.name': 'dr. Andi',
      }),
    ).toEqual({
      ok: true,
      text: 'Halo Siti, dr. Andi.',
    });
  });

  it('renders sections only when the variable is present, inverted ones when absent', () => {
    const body = 'A{{#room}} room {{room}}{{/room}}{{^room}} no room{{/room}}.';
    expect(renderTemplate(body, { room: 'R3' })).toEqual({ ok: true, text: 'A room R3.' });
    expect(renderTemplate(body, {})).toEqual({ ok: true, text: 'A no room.' });
    expect(renderTemplate(body, { room: '' })).toEqual({ ok: true, text: 'A no room.' });
    expect(renderTemplate(body, { room: undefined })).toEqual({ ok: true, text: 'A no room.' });
  });

  it('drops whole lines for standalone section tags', () => {
    const body = 'Doctor: X\n{{#amount}}\nAmount: {{amount}}\n{{/amount}}\nBye';
    expect(renderTemplate(body, { amount: '10' })).toEqual({ ok: true, text: 'Doctor: X\nAmount: 10\nBye' });
    expect(renderTemplate(body, {})).toEqual({ ok: true, text: 'Doctor: X\nBye' });
  });

  it('reports missing variables instead of printing "undefined"', () => {
    expect(renderTemplate('Hi {{patient.name}} {{doctor.name}} {{patient.name}}', {})).toEqual({
      ok: false,
      missing: ['patient.name', 'doctor.name'],
    });
    expect(renderTemplate('{{#a}}{{b}}{{/a}}', { a: 'x' })).toEqual({ ok: false, missing: ['b'] });
    expect(renderTemplate('{{#a}}{{b}}{{/a}}', {})).toEqual({ ok: true, text: '' });
    const r = renderTemplate('{{#a}}[{{a}}]{{/a}}{{b}}', { a: undefined, b: 'ok' });
    expect(r).toEqual({ ok: true, text: 'ok' });
  });

  it('inserts values literally, never parsing them again', () => {
    expect(renderTemplate('Hi {{patient.name}}', { 'patient.name': '{{patient.name}} {{#x}}' })).toEqual({
      ok: true,
      text: 'Hi {{patient.name}} {{#x}}',
    });
  });

  it('escapes values, not the template, with escapeHtml', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;',
    );
    const r = renderTemplate(
      '<p>{{patient.name}}</p>',
      { 'patient.name': '<script>alert(1)</script>' },
      { escape: escapeHtml },
    );
    expect(r).toEqual({ ok: true, text: '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>' });
  });

  it('throws on malformed templates', () => {
    for (const bad of [
      '{{patient name}}',
      '{{{x}}}',
      '{{#a}}x',
      'x{{/a}}',
      '{{#a}}{{#b}}{{/a}}{{/b}}',
      '{{}}',
      'a {{ b',
    ])
      expect(() => renderTemplate(bad, {}), bad).toThrow(TemplateSyntaxError);
  });
});

describe('parseTemplate', () => {
  it('lists variables and sections once, in order', () => {
    expect(parseTemplate('{{b}} {{#a}}{{a}} {{b}}{{/a}}{{^c}}-{{/c}}')).toEqual({
      variables: ['b', 'a'],
      sections: ['a', 'c'],
    });
  });
});

describe('whatsAppParameters', () => {
  it('gives the values in order of appearance, skipping absent sections', () => {
    const body =
      'Halo {{patient.name}}{{#walkIn.room}} ({{walkIn.room}}){{/walkIn.room}}, nomor {{walkIn.tokenNumber}}, {{patient.name}}.';
    expect(whatsAppParameters(body, { 'patient.name': 'Siti', 'walkIn.tokenNumber': 'A-1' })).toEqual([
      'Siti',
      'A-1',
      'Siti',
    ]);
    expect(
      whatsAppParameters(body, { 'patient.name': 'Siti', 'walkIn.tokenNumber': 'A-1', 'walkIn.room': 'R3' }),
    ).toEqual(['Siti', 'R3', 'A-1', 'Siti']);
  });

  it('collapses whitespace, which Meta rejects in parameters, and throws on missing values', () => {
    expect(whatsAppParameters('a {{x}} b', { x: 'line1\n\tline2     end' })).toEqual(['line1 line2 end']);
    expect(() => whatsAppParameters('a {{x}} b', {})).toThrow(MissingVariablesError);
  });
});

describe('checkTemplate', () => {
  it('accepts guaranteed variables and guarded optional ones', () => {
    expect(
      checkTemplate(
        'appointment.confirmed',
        'Hi {{patient.name}}{{#financial.amount}}: {{financial.amount}}{{/financial.amount}}',
      ),
    ).toEqual({ ok: true });
  });

  it('rejects unknown variables, unguarded optional ones and bad structure', () => {
    const no = (type: string, body: string) => {
      const r = checkTemplate(type, body);
      expect(r.ok, body).toBe(false);
      return r.ok ? '' : r.message;
    };
    expect(no('appointment.confirmed', 'Hi {{patient.nam}}')).toContain('patient.nam');
    expect(no('appointment.confirmed', 'Token {{walkIn.tokenNumber}}')).toContain('walkIn.tokenNumber');
    expect(no('appointment.confirmed', '{{#bill.number}}x{{/bill.number}}')).toContain('bill.number');
    expect(no('appointment.confirmed', 'Total {{financial.amount}}')).toContain('{{#financial.amount}}');
    expect(no('appointment.confirmed', '{{#doctor.name}}{{financial.amount}}{{/doctor.name}}')).toContain(
      'financial.amount',
    );
    expect(no('appointment.confirmed', '{{^financial.amount}}{{financial.amount}}{{/financial.amount}}')).toContain(
      'always missing',
    );
    expect(no('appointment.confirmed', '{{#financial.amount}}x')).toContain('not closed');
    expect(no('appointment.confirmed', 'x{{/financial.amount}}')).toContain('closes no section');
    expect(no('appointment.confirmed', '{{#reason}}{{/reason}}')).toContain('reason');
    expect(no('appointment.confirmed', '{{patient name}}')).toContain('malformed');
    expect(no('nope.nope', 'x')).toContain('unknown event type');
  });

  it('treats data required inside an optional object as present once the object is', () => {
    // patient.registered: appointment is optional, but its slot is required within it.
    const body =
      '{{#appointment.bookingReference}}{{appointment.slotDate}} {{appointment.slotTime}}{{/appointment.bookingReference}}';
    expect(checkTemplate('patient.registered', body)).toEqual({ ok: true });
    expect(
      checkTemplate(
        'patient.registered',
        '{{#appointment.bookingReference}}{{appointment.status}}{{/appointment.bookingReference}}',
      ).ok,
    ).toBe(false);
    expect(checkTemplate('billing.bill_generated', '{{#patient.name}}{{patient.phone}}{{/patient.name}}').ok).toBe(
      false,
    );
  });
});

describe('variables', () => {
  it('derives what each event offers and guarantees from its schema', () => {
    expect(variablesFor('appointment.confirmed').guaranteed).toEqual(
      expect.arrayContaining([
        'patient.name',
        'appointment.bookingReference',
        'appointment.slotDate',
        'appointment.slotTime',
        'doctor.name',
        'centre.name',
      ]),
    );
    expect(variablesFor('appointment.confirmed').guaranteed).not.toContain('financial.amount');
    expect(variablesFor('appointment.confirmed').all).toContain('financial.amount');
    expect(variablesFor('walkin.token_called').guaranteed).toContain('walkIn.room');
    expect(variablesFor('walkin.approaching_turn').guaranteed).not.toContain('walkIn.room');
    expect(variablesFor('doctor.emergency_leave').guaranteed).toEqual(
      expect.arrayContaining(['patient.name', 'refund.amount', 'rescheduleUrl', 'leave.from', 'appointment.slotDate']),
    );
    expect(variablesFor('billing.bill_generated').guaranteed).toEqual(
      expect.arrayContaining(['bill.number', 'bill.amount']),
    );
    expect(variablesFor('billing.bill_generated').guaranteed).not.toContain('patient.name');
    expect(variablesFor('appointment.reminder').guaranteed).toContain('reminder.offset');
    expect(variablesFor('credit.insufficient').guaranteed).toEqual(['credit.balance', 'credit.required']);
    expect(variablesFor('whatsapp.template_status').guaranteed).toEqual([
      'template.name',
      'template.language',
      'template.status',
    ]);
    expect(variablesFor('nope')).toEqual({ all: [], guaranteed: [] });
    for (const { type } of EVENT_TYPES) expect(variablesFor(type).all.length, type).toBeGreaterThan(0);
    // Every catalogued variable is offered by at least one event type.
    const offered = new Set(EVENT_TYPES.flatMap((e) => variablesFor(e.type).all));
    for (const v of VARIABLES) expect(offered.has(v.name), v.name).toBe(true);
  });

  it('builds localised values from event data', () => {
    const id = buildVariables('appointment.confirmed', SAMPLES['appointment.confirmed'], { language: 'ID' });
    expect(id).toMatchObject({
      'patient.name': 'Siti Rahma',
      'appointment.slotDate': 'Rabu, 25 November 2026',
      'appointment.slotTime': '10.30',
      'financial.amount': 'Rp\u00a0150.000',
      'financial.paymentStatus': 'lunas',
    });
    const en = buildVariables('appointment.confirmed', SAMPLES['appointment.confirmed'], { language: 'EN' });
    expect(en).toMatchObject({
      'appointment.slotDate': 'Wednesday, 25 November 2026',
      'appointment.slotTime': '10:30',
      'financial.amount': 'IDR\u00a0150,000',
    });
    const fr = buildVariables('appointment.confirmed', SAMPLES['appointment.confirmed'], { language: 'FR' });
    expect(fr['appointment.slotDate']).toBe('mercredi 25 novembre 2026');
    // Without a centre time zone: the tenant's, else the offset the partner sent.
    const noTz = { ...appt, centre: { id: 'c', name: 'K' } };
    expect(buildVariables('appointment.confirmed', noTz, { language: 'EN' })['appointment.slotTime']).toBe('10:30');
    expect(
      buildVariables('appointment.confirmed', noTz, { language: 'EN', timeZone: 'UTC' })['appointment.slotTime'],
    ).toBe('03:30');
    expect(buildVariables('appointment.pending_approval', appt, { language: 'EN' })).not.toHaveProperty(
      'financial.amount',
    );
  });

  it('builds per-recipient values for emergency leave and offsets for reminders', () => {
    const second = buildVariables('doctor.emergency_leave', SAMPLES['doctor.emergency_leave'], {
      language: 'EN',
      affectedIndex: 1,
    });
    expect(second).toMatchObject({
      'patient.name': 'Budi',
      'appointment.bookingReference': 'BK-2000',
      'refund.amount': 'IDR\u00a075,000.5',
      'doctor.name': doctor.name,
    });
    expect(second.rescheduleUrl).toBe('https://rs.example.id/r/BK-2000');
    expect(
      buildVariables('appointment.reminder', SAMPLES['appointment.reminder'], { language: 'ID' })['reminder.offset'],
    ).toBe('2 jam');
    expect(formatOffset(1440, 'EN')).toBe('24 hours');
    expect(formatOffset(30, 'FR')).toBe('30 minutes');
    expect(formatOffset(90, 'FR')).toBe('1 heure 30 minutes');
    expect(formatOffset(60, 'EN')).toBe('1 hour');
  });
});

describe('default templates', () => {
  it('sample data is valid for every event type', () => {
    for (const { type } of EVENT_TYPES) expect(validateEventData(type, SAMPLES[type]), type).toEqual({ ok: true });
  });

  it('has exactly one default per notifying event × channel × language', () => {
    const types = notifyingEventTypes();
    // Written out, not computed from the catalogue: 25 notifying event types × 4 channels × 3 languages.
    expect([types.length, CHANNELS.length, LANGUAGES.length]).toEqual([25, 4, 3]);
    expect(DEFAULT_TEMPLATES).toHaveLength(300);
    const keys = new Set(DEFAULT_TEMPLATES.map((t) => `${t.eventType}|${t.channel}|${t.language}`));
    expect(keys.size).toBe(DEFAULT_TEMPLATES.length);
    for (const type of types)
      for (const channel of CHANNELS)
        for (const language of LANGUAGES)
          expect(defaultTemplate(type, channel, language), `${type} ${channel} ${language}`).toBeDefined();
    expect(defaultTemplate('walkin.queue_updated', 'SMS', 'ID')).toBeUndefined();
  });

  it('every default passes checkTemplate and has the right shape', () => {
    for (const t of DEFAULT_TEMPLATES) {
      const where = `${t.eventType} ${t.channel} ${t.language}`;
      expect(checkTemplate(t.eventType, t.body), where).toEqual({ ok: true });
      if (t.subject !== null) expect(checkTemplate(t.eventType, t.subject), where).toEqual({ ok: true });
      if (t.channel === 'EMAIL' || t.channel === 'PUSH') expect(t.subject, where).toBeTruthy();
      if (t.channel === 'EMAIL') expect(t.body.split('\n').length, where).toBeGreaterThan(4);
      if (t.channel === 'WHATSAPP') {
        expect(t.subject, where).toBeNull();
        expect(t.whatsAppTemplateName, where).toBe(`kabar_${t.eventType.replace('.', '_')}`);
        expect(t.whatsAppTemplateName, where).toMatch(/^[a-z0-9_]+$/);
        expect(t.whatsAppCategory, where).toBe('UTILITY');
        // Meta templates: fixed parameter count, and no parameter at either end.
        const { variables, sections } = parseTemplate(t.body);
        expect(sections, where).toEqual([]);
        for (const v of variables) expect(variablesFor(t.eventType).guaranteed, `${where} ${v}`).toContain(v);
        expect(t.body.trim(), where).not.toMatch(/^\{\{|\}\}$/);
      } else {
        expect(t.whatsAppTemplateName, where).toBeNull();
        expect(t.whatsAppCategory, where).toBeNull();
      }
    }
  });

  it('every default renders with full sample data and with only guaranteed data', () => {
    for (const t of DEFAULT_TEMPLATES) {
      const where = `${t.eventType} ${t.channel} ${t.language}`;
      const full = buildVariables(t.eventType, SAMPLES[t.eventType], { language: t.language });
      const minimal = Object.fromEntries(variablesFor(t.eventType).guaranteed.map((n) => [n, full[n]]));
      for (const vars of [full, minimal]) {
        for (const text of [t.subject, t.body]) {
          if (text === null) continue;
          const r = renderTemplate(text, vars);
          expect(r.ok, `${where}: ${JSON.stringify(r)}`).toBe(true);
          if (!r.ok) continue;
          expect(r.text, where).not.toMatch(/\{\{|\}\}|undefined|null|\n\n\n/);
          if (t.channel === 'SMS') expect(r.text.length, `${where}: ${r.text}`).toBeLessThanOrEqual(320);
        }
      }
      if (t.channel === 'WHATSAPP')
        expect(
          whatsAppParameters(t.body, full).every((p) => p.length > 0),
          where,
        ).toBe(true);
    }
  });

  it('renders a natural Indonesian confirmation', () => {
    const t = defaultTemplate('appointment.confirmed', 'WHATSAPP', 'ID')!;
    const r = renderTemplate(t.body, buildVariables(t.eventType, SAMPLES[t.eventType], { language: 'ID' }));
    expect(r).toEqual({
      ok: true,
      text:
        'Halo Bapak/Ibu Siti Rahma, janji temu Anda dengan dr. Andi Wijaya, Sp.PD di Klinik Sehat Menteng telah terkonfirmasi pada Rabu, 25 November 2026 pukul 10.30.\n' +
        'Kode booking: BK-1042.\nKami menantikan kedatangan Anda.',
    });
  });
});
