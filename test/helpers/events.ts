import { randomUUID } from 'node:crypto';

/** Realistic data for every partner event type (EVENTS.md), with overridable contacts. */
export interface Contacts {
  phone?: string;
  email?: string;
  language?: 'id' | 'en' | 'fr';
  pushTokens?: string[];
}

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().replace(/\.\d+Z$/, '+00:00');

export function patientOf(c: Contacts = {}) {
  return {
    id: `p-${randomUUID().slice(0, 8)}`,
    name: 'Siti Rahma',
    phone: c.phone ?? '+6281234567890',
    email: c.email ?? 'siti@example.id',
    language: c.language ?? 'id',
    ...(c.pushTokens ? { pushTokens: c.pushTokens } : {}),
  };
}

const centre = { id: 'c-1', name: 'Klinik Sehat Menteng', timezone: 'Asia/Jakarta', phone: '+62215550101' };
const doctor = { id: 'd-3', name: 'dr. Andi Wijaya, Sp.PD' };
const appointment = (slotStart = inDays(2)) => ({
  id: `a-${randomUUID().slice(0, 8)}`,
  bookingReference: `BK-${Math.floor(Math.random() * 9000 + 1000)}`,
  slotStart,
  status: 'confirmed',
});
const money = (amount: string) => ({ amount, currency: 'IDR', paymentStatus: 'paid' });

export function sampleData(type: string, c: Contacts = {}): Record<string, unknown> {
  const patient = patientOf(c);
  switch (type) {
    case 'appointment.confirmed':
      return { patient, appointment: appointment(), doctor, centre, financial: money('150000') };
    case 'appointment.pending_approval':
    case 'appointment.completed':
    case 'appointment.no_show':
      return { patient, appointment: appointment(), doctor, centre };
    case 'appointment.rejected':
      return { patient, appointment: appointment(), doctor, centre, reason: 'Jadwal dokter penuh' };
    case 'appointment.cancelled':
      return {
        patient,
        appointment: appointment(),
        doctor,
        centre,
        cancelledBy: 'staff',
        reason: 'Dokter berhalangan',
        financial: { ...money('150000'), paymentStatus: 'refunded' },
      };
    case 'appointment.rescheduled':
      return { patient, appointment: appointment(inDays(3)), previousSlotStart: inDays(2), doctor, centre };
    case 'walkin.token_called':
      return {
        patient,
        walkIn: { tokenNumber: 'A-017', queueName: 'Poli Umum', position: 0, room: 'Ruang 3' },
        centre,
      };
    case 'walkin.queue_updated':
      return { patient, walkIn: { tokenNumber: 'A-018', queueName: 'Poli Umum', position: 5 }, centre };
    case 'prescription.ready':
      return {
        patient,
        prescription: { number: 'RX-7781', status: 'allocated', pickupInstructions: 'Ambil di apotek lantai 1' },
        doctor,
        centre,
      };
    case 'report.ready':
      return { patient, report: { id: 'r-1', name: 'Hematologi Lengkap' }, doctor, centre };
    case 'patient.registered':
      return { patient, centre, clinicService: 'Poli Penyakit Dalam', hospitalContact: '+62215550101' };
    case 'doctor.emergency_leave':
      return {
        doctor,
        centre,
        leaveFrom: inDays(1),
        affected: [
          {
            patient,
            appointment: appointment(),
            refund: money('150000'),
            rescheduleUrl: 'https://klinik.example/reschedule/a1',
          },
          {
            patient: {
              ...patientOf({ phone: '+6281298765432', email: 'budi@example.id', language: 'en' }),
              name: 'Budi Santoso',
            },
            appointment: appointment(),
            refund: money('200000'),
            rescheduleUrl: 'https://klinik.example/reschedule/a2',
          },
        ],
      };
    case 'billing.bill_generated':
      return { bill: { id: 'b-1', number: 'INV-2026-0042', amount: '350000', currency: 'IDR' }, patient, centre };
    case 'billing.refund_processed':
      return {
        refund: { id: 'rf-1', amount: '150000', currency: 'IDR', reason: 'Dokter berhalangan' },
        patient,
        centre,
      };
    case 'billing.deposit_received':
      return { deposit: { id: 'dp-1', amount: '500000', currency: 'IDR' }, patient, centre };
    case 'package.purchased':
    case 'package.redeemed':
    case 'package.expired':
    case 'package.exhausted':
      return { package: { id: 'pk-1', name: 'Paket Medical Check-up', remainingUses: 2 }, patient, centre };
    case 'lab.test_requested':
      return { test: { id: 't-1', name: 'Gula Darah Puasa', priority: 'urgent' }, patient, doctor, centre };
    default:
      throw new Error(`no sample for ${type}`);
  }
}

export function sampleEvent(type: string, c: Contacts = {}) {
  return { id: `evt-${randomUUID()}`, type, occurredAt: new Date().toISOString(), data: sampleData(type, c) };
}
