import { describe, it, expect } from 'vitest';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import {
  EVENT_CATEGORIES,
  EVENT_TYPES,
  eventSchema,
  eventTypeInfo,
  isKnownEventType,
  isValidEventPattern,
  matchesEventPattern,
  notifyingEventTypes,
  validateEventData,
} from '../../src/events/catalogue.js';

// The example from EVENTS.md, verbatim.
const example = () => ({
  patient: { id: 'p-19', name: 'Siti Rahma', phone: '+6281234567890', email: 'siti@example.id', language: 'id' },
  appointment: { id: 'a-88', bookingReference: 'BK-1042', slotStart: '2026-11-25T10:30:00+07:00', status: 'confirmed' },
  doctor: { id: 'd-3', name: 'dr. Andi Wijaya, Sp.PD' },
  centre: { id: 'c-1', name: 'Klinik Sehat Menteng', timezone: 'Asia/Jakarta' },
  financial: { amount: '150000', currency: 'IDR', paymentStatus: 'paid' },
});

const errorsOf = (type: string, data: unknown) => {
  const r = validateEventData(type, data);
  return r.ok ? [] : r.errors;
};

describe('event types', () => {
  it('covers every type of MISSION.md and EVENTS.md', () => {
    const expected = [
      'appointment.confirmed',
      'appointment.pending_approval',
      'appointment.rejected',
      'appointment.cancelled',
      'appointment.rescheduled',
      'appointment.completed',
      'appointment.no_show',
      'appointment.reminder',
      'walkin.token_called',
      'walkin.approaching_turn',
      'walkin.queue_updated',
      'prescription.ready',
      'report.ready',
      'doctor.emergency_leave',
      'patient.registered',
      'credit.purchase_status',
      'billing.bill_generated',
      'billing.refund_processed',
      'billing.deposit_received',
      'package.purchased',
      'package.redeemed',
      'package.expired',
      'package.exhausted',
      'lab.test_requested',
      'credit.insufficient',
      'patient.preferences_updated',
      'whatsapp.template_status',
    ];
    expect(EVENT_TYPES.map((e) => e.type).sort()).toEqual([...expected].sort());
    expect(new Set(EVENT_TYPES.map((e) => e.type)).size).toBe(EVENT_TYPES.length);
  });

  it('has the default channels of the MISSION table', () => {
    expect(eventTypeInfo('appointment.confirmed')?.defaultChannels).toEqual(['WHATSAPP', 'EMAIL']);
    expect(eventTypeInfo('appointment.completed')?.defaultChannels).toEqual(['EMAIL']);
    expect(eventTypeInfo('appointment.no_show')?.defaultChannels).toEqual(['WHATSAPP']);
    expect(eventTypeInfo('walkin.token_called')?.defaultChannels).toEqual(['SMS', 'PUSH']);
    expect(eventTypeInfo('walkin.approaching_turn')?.defaultChannels).toEqual(['SMS', 'PUSH']);
    expect(eventTypeInfo('credit.purchase_status')).toMatchObject({
      audience: 'admin',
      defaultChannels: ['WHATSAPP', 'EMAIL'],
    });
    expect(eventTypeInfo('credit.insufficient')).toMatchObject({ audience: 'admin', defaultChannels: ['EMAIL'] });
    expect(eventTypeInfo('whatsapp.template_status')).toMatchObject({
      audience: 'admin',
      producedBy: 'kabar',
      defaultChannels: ['EMAIL'],
    });
    expect(eventTypeInfo('billing.bill_generated')).toMatchObject({
      audience: 'staff',
      defaultDepartments: ['billing'],
    });
    for (const e of EVENT_TYPES.filter((x) => x.audience === 'staff')) expect(e.defaultChannels).toEqual(['EMAIL']);
  });

  it('has one list of categories, exactly those of its event types, and marks the critical ones', () => {
    expect([...EVENT_CATEGORIES].sort()).toEqual([...new Set(EVENT_TYPES.map((e) => e.category))].sort());
    expect(
      EVENT_TYPES.filter((e) => e.critical)
        .map((e) => e.type)
        .sort(),
    ).toEqual([
      'appointment.cancelled',
      'appointment.rejected',
      'appointment.rescheduled',
      'doctor.emergency_leave',
      'walkin.approaching_turn',
      'walkin.token_called',
    ]);
  });

  it('patient.preferences_updated accepts a known category and rejects an unknown one with its path', () => {
    const data = (category?: string) => ({
      patient: { id: 'p-1', name: 'Siti' },
      preferences: [{ channel: 'whatsapp', status: 'opted_out', ...(category ? { category } : {}) }],
    });
    expect(validateEventData('patient.preferences_updated', data())).toEqual({ ok: true });
    expect(validateEventData('patient.preferences_updated', data('reminders'))).toEqual({ ok: true });
    expect(errorsOf('patient.preferences_updated', data('reminder'))).toEqual([
      { path: '/preferences/0/category', message: 'must be equal to one of the allowed values' },
    ]);
  });

  it('knows which types Kabar produces and which notify', () => {
    const kabar = EVENT_TYPES.filter((e) => e.producedBy === 'kabar')
      .map((e) => e.type)
      .sort();
    expect(kabar).toEqual([
      'appointment.reminder',
      'credit.insufficient',
      'credit.purchase_status',
      'walkin.approaching_turn',
      'whatsapp.template_status',
    ]);
    expect(notifyingEventTypes()).not.toContain('walkin.queue_updated');
    expect(notifyingEventTypes()).not.toContain('patient.preferences_updated');
    // 27 types, all but those two notify (counts written out: a new type must be added here on purpose).
    expect(EVENT_TYPES).toHaveLength(27);
    expect(notifyingEventTypes()).toHaveLength(25);
    expect(isKnownEventType('walkin.queue_updated')).toBe(true);
    expect(isKnownEventType('foo.bar')).toBe(false);
    expect(eventTypeInfo('foo.bar')).toBeUndefined();
  });
});

describe('event patterns', () => {
  it('matches exact types, prefix.* and *', () => {
    expect(matchesEventPattern('billing.*', 'billing.bill_generated')).toBe(true);
    expect(matchesEventPattern('billing.*', 'package.purchased')).toBe(false);
    expect(matchesEventPattern('billing.*', 'billingx.foo')).toBe(false);
    expect(matchesEventPattern('report.ready', 'report.ready')).toBe(true);
    expect(matchesEventPattern('report.ready', 'report.readyx')).toBe(false);
    expect(matchesEventPattern('*', 'lab.test_requested')).toBe(true);
  });

  it('validates patterns', () => {
    for (const ok of ['*', 'billing.*', 'package.*', 'appointment.*', 'lab.test_requested'])
      expect(isValidEventPattern(ok)).toBe(true);
    for (const bad of [
      'billing',
      'foo.*',
      'foo.bar',
      '',
      '.*',
      'billing.**',
      'billing*',
      '*.*',
      'billing.bill_generated.*',
    ])
      expect(isValidEventPattern(bad), bad).toBe(false);
  });
});

describe('event data schemas', () => {
  it('accepts the EVENTS.md example', () => {
    expect(validateEventData('appointment.confirmed', example())).toEqual({ ok: true });
  });

  it('rejects a missing required field and names its path', () => {
    const data = example();
    delete (data.patient as { name?: string }).name;
    expect(errorsOf('appointment.confirmed', data)).toContainEqual(expect.objectContaining({ path: '/patient/name' }));
    const { doctor: _omit, ...noDoctor } = example();
    expect(errorsOf('appointment.confirmed', noDoctor)).toContainEqual(expect.objectContaining({ path: '/doctor' }));
  });

  it('allows extra properties', () => {
    const data = { ...example(), extra: 1, patient: { ...example().patient, nickname: 'Siti' } };
    expect(validateEventData('appointment.confirmed', data)).toEqual({ ok: true });
  });

  it('enforces formats and enums', () => {
    const bad = (patch: (d: ReturnType<typeof example>) => void) => {
      const d = example();
      patch(d);
      return errorsOf('appointment.confirmed', d);
    };
    // A national number passes the schema (its country is the tenant's, known later: src/events/phones.ts).
    expect(bad((d) => (d.patient.phone = '081234567890'))).toEqual([]);
    expect(bad((d) => (d.patient.phone = '0812-3456 7890'))).toEqual([]);
    expect(bad((d) => (d.patient.phone = 'call me'))).toEqual([
      { path: '/patient/phone', message: 'must be a phone number, e.g. +6281234567890 or 081234567890' },
    ]);
    expect(bad((d) => (d.patient.phone = '+62 812 ext 5'))).toHaveLength(1);
    expect(bad((d) => (d.patient.language = 'de'))).not.toHaveLength(0);
    expect(bad((d) => (d.appointment.slotStart = '2026-11-25T10:30:00'))).not.toHaveLength(0); // no offset
    expect(bad((d) => (d.appointment.slotStart = 'tomorrow'))).not.toHaveLength(0);
    expect(bad((d) => (d.financial.amount = '150,000'))).not.toHaveLength(0);
    expect(bad((d) => ((d.financial as { amount: unknown }).amount = 150000))).not.toHaveLength(0);
    expect(bad((d) => (d.financial.currency = 'idr'))).not.toHaveLength(0);
    expect(bad((d) => (d.financial.paymentStatus = 'maybe'))).not.toHaveLength(0);
    expect(bad((d) => (d.financial.amount = '150000.50'))).toHaveLength(0);
  });

  it('checks walk-in positions, emergency-leave recipients and staff enums', () => {
    const walkIn = { tokenNumber: 'A-012', queueName: 'Umum', position: 2 };
    const base = { patient: { id: 'p', name: 'Siti' }, centre: { id: 'c', name: 'Klinik' } };
    expect(validateEventData('walkin.queue_updated', { ...base, walkIn }).ok).toBe(true);
    expect(validateEventData('walkin.queue_updated', { ...base, walkIn: { ...walkIn, position: -1 } }).ok).toBe(false);
    expect(validateEventData('walkin.queue_updated', { ...base, walkIn: { ...walkIn, position: 1.5 } }).ok).toBe(false);
    expect(validateEventData('walkin.token_called', { ...base, walkIn }).ok).toBe(false); // needs room
    expect(validateEventData('walkin.token_called', { ...base, walkIn: { ...walkIn, room: 'Poli 3' } }).ok).toBe(true);

    const leave = {
      doctor: { id: 'd', name: 'dr. Andi' },
      centre: base.centre,
      leaveFrom: '2026-11-25T00:00:00+07:00',
    };
    expect(validateEventData('doctor.emergency_leave', { ...leave, affected: [] }).ok).toBe(false);
    expect(errorsOf('doctor.emergency_leave', { ...leave, affected: [{ patient: base.patient }] })).toContainEqual(
      expect.objectContaining({ path: '/affected/0/appointment' }),
    );

    const test = { id: 't', name: 'Hematologi lengkap', priority: 'urgent' };
    expect(validateEventData('lab.test_requested', { ...base, test }).ok).toBe(true);
    expect(validateEventData('lab.test_requested', { ...base, test: { ...test, priority: 'asap' } }).ok).toBe(false);
    expect(
      validateEventData('billing.bill_generated', {
        centre: base.centre,
        bill: { id: 'b', amount: '10', currency: 'IDR' },
      }).ok,
    ).toBe(false);
  });

  it('has a self-contained, titled schema for every event type', () => {
    const Ajv2020 = Ajv2020Module.default;
    const addFormats = addFormatsModule.default;
    for (const { type } of EVENT_TYPES) {
      const schema = eventSchema(type) as Record<string, unknown> | undefined;
      expect(schema, type).toBeDefined();
      expect(schema).toMatchObject({ title: type, description: expect.any(String), type: 'object' });
      // A partner can compile it on its own.
      const ajv = addFormats(new Ajv2020({ allowUnionTypes: true }));
      expect(() => ajv.compile(schema!)).not.toThrow();
      expect(validateEventData(type, {}).ok).toBe(false);
    }
    expect(eventSchema('foo.bar')).toBeUndefined();
    expect(validateEventData('foo.bar', {})).toMatchObject({ ok: false });
  });

  it('returns a copy of the schema', () => {
    const s = eventSchema('report.ready') as { required: string[] };
    s.required.push('nope');
    expect((eventSchema('report.ready') as { required: string[] }).required).not.toContain('nope');
  });
});
