import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startKabar, type TestKabar } from '../helpers/app.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { eventId accepted duplicate } }';
const confirmed = () => ({
  id: `evt-${randomUUID()}`,
  type: 'appointment.confirmed',
  occurredAt: '2026-11-23T09:15:00+07:00',
  data: {
    patient: { id: 'p-19', name: 'Siti Rahma', phone: '+6281234567890', email: 'siti@example.id', language: 'id' },
    appointment: {
      id: 'a-88',
      bookingReference: 'BK-1042',
      slotStart: '2026-11-25T10:30:00+07:00',
      status: 'confirmed',
    },
    doctor: { id: 'd-3', name: 'dr. Andi Wijaya, Sp.PD' },
    centre: { id: 'c-1', name: 'Klinik Sehat Menteng', timezone: 'Asia/Jakarta' },
    financial: { amount: '150000', currency: 'IDR', paymentStatus: 'paid' },
  },
});

describe('event catalogue and ingest', () => {
  let k: TestKabar;
  beforeAll(async () => {
    k = await startKabar();
  });
  afterAll(async () => k.stop());

  it('serves every event type and its JSON Schema', async () => {
    const t = await k.newTenant();
    const types = (await k.gql(t.staff, '{ eventTypes }')).data.eventTypes as string[];
    expect(types).toEqual(
      expect.arrayContaining([
        'appointment.confirmed',
        'doctor.emergency_leave',
        'billing.bill_generated',
        'lab.test_requested',
        'credit.insufficient',
      ]),
    );
    const schema = (await k.gql(t.staff, '{ eventSchema(type: "appointment.confirmed") }')).data.eventSchema;
    expect(schema.required).toEqual(expect.arrayContaining(['patient', 'appointment', 'doctor', 'centre']));
    expect((await k.gql(t.staff, '{ eventSchema(type: "no.such") }')).data.eventSchema).toBeNull();
  });

  it('accepts a valid event once; the same id again is a duplicate', async () => {
    const t = await k.newTenant();
    const input = confirmed();
    const first = await k.gql(t.service, PUBLISH, { input });
    expect(first.data.publishEvent).toEqual({ eventId: input.id, accepted: true, duplicate: false });
    // A racing re-publish before the first is recorded still yields one set of messages.
    await k.gql(t.service, PUBLISH, { input });
    const count = async () =>
      (
        await k.gql(t.admin, 'query($e: String) { deliveries(filter: { eventId: $e }) { totalCount } }', {
          e: input.id,
        })
      ).data.deliveries.totalCount;
    await eventually(async () => expect(await count()).toBe(2)); // WhatsApp + Email defaults
    const again = await k.gql(t.service, PUBLISH, { input });
    expect(again.data.publishEvent).toEqual({ eventId: input.id, accepted: true, duplicate: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(await count()).toBe(2);
    // Event ids are per tenant: another tenant's identical id is its own event.
    const other = await k.newTenant();
    expect((await k.gql(other.service, PUBLISH, { input })).data.publishEvent.duplicate).toBe(false);
  });

  it('rejects unknown types, Kabar-only types and invalid data with the offending field', async () => {
    const t = await k.newTenant();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...confirmed(), type: 'appointment.exploded' }, /^input\.type$/],
      [{ ...confirmed(), type: 'appointment.reminder' }, /^input\.type$/],
      [{ ...confirmed(), data: { ...confirmed().data, patient: undefined } }, /^input\.data/],
      [
        { ...confirmed(), data: { ...confirmed().data, patient: { id: 'p', name: 'X', phone: '0812' } } },
        /^input\.data\.patient/,
      ],
    ];
    for (const [input, field] of cases) {
      const res = await k.gql(t.service, PUBLISH, { input });
      expect(res.errors?.[0]?.extensions.code, JSON.stringify(input).slice(0, 80)).toBe('BAD_USER_INPUT');
      expect(String(res.errors?.[0]?.extensions.field)).toMatch(field);
    }
  });
});
