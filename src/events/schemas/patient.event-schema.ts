// The data of the events about a patient: appointments, walk-in queues, prescriptions,
// reports, registration and choices, and a doctor's emergency leave.
import { EVENT_CATEGORIES } from '../categories.js';
import { nonNegativeInteger, ref, text, type Spec } from './shared.event-schema.js';

const apptBase = {
  patient: ref('patient'),
  appointment: ref('appointment'),
  doctor: ref('doctor'),
  centre: ref('centre'),
};
const apptRequired = ['patient', 'appointment', 'doctor', 'centre'];

export const PATIENT_SPECS: Record<string, Spec> = {
  'appointment.confirmed': {
    title: 'appointment.confirmed',
    description: 'Booking confirmed (paid, or no payment needed).',
    required: apptRequired,
    properties: { ...apptBase, financial: ref('financial') },
  },
  'appointment.pending_approval': {
    title: 'appointment.pending_approval',
    description: 'Booking waiting for doctor or admin approval.',
    required: apptRequired,
    properties: apptBase,
  },
  'appointment.rejected': {
    title: 'appointment.rejected',
    description: 'Approval request rejected.',
    required: apptRequired,
    properties: { ...apptBase, reason: text },
  },
  'appointment.cancelled': {
    title: 'appointment.cancelled',
    description: 'Appointment cancelled by the patient, staff or the system.',
    required: [...apptRequired, 'cancelledBy'],
    properties: {
      ...apptBase,
      cancelledBy: { enum: ['patient', 'staff', 'system'] },
      reason: text,
      financial: ref('financial'),
    },
  },
  'appointment.rescheduled': {
    title: 'appointment.rescheduled',
    description: 'Appointment moved to a new slot; `appointment` holds the new slot.',
    required: [...apptRequired, 'previousSlotStart'],
    properties: { ...apptBase, previousSlotStart: ref('dateTime') },
  },
  'appointment.completed': {
    title: 'appointment.completed',
    description: 'Consultation finished.',
    required: apptRequired,
    properties: apptBase,
  },
  'appointment.no_show': {
    title: 'appointment.no_show',
    description: 'Patient marked as not attended.',
    required: apptRequired,
    properties: apptBase,
  },
  'appointment.reminder': {
    title: 'appointment.reminder',
    description: 'Produced by Kabar: reminder sent `offsetMinutes` before the slot.',
    required: [...apptRequired, 'offsetMinutes'],
    properties: { ...apptBase, offsetMinutes: { type: 'integer', minimum: 1 } },
  },
  'walkin.token_called': {
    title: 'walkin.token_called',
    description: "The patient's token is called to a counter or room.",
    required: ['patient', 'walkIn', 'centre'],
    // EVENTS.md: walkIn "with room" — the patient must know where to go.
    properties: {
      patient: ref('patient'),
      walkIn: { allOf: [ref('walkIn'), { type: 'object', required: ['room'] }] },
      centre: ref('centre'),
    },
  },
  'walkin.queue_updated': {
    title: 'walkin.queue_updated',
    description: 'Queue position changed; Kabar derives walkin.approaching_turn from it.',
    required: ['patient', 'walkIn', 'centre'],
    properties: { patient: ref('patient'), walkIn: ref('walkIn'), centre: ref('centre') },
  },
  'walkin.approaching_turn': {
    title: 'walkin.approaching_turn',
    description: "Produced by Kabar: the patient is within the tenant's threshold of being served.",
    required: ['patient', 'walkIn', 'centre', 'threshold'],
    properties: {
      patient: ref('patient'),
      walkIn: ref('walkIn'),
      centre: ref('centre'),
      threshold: nonNegativeInteger,
    },
  },
  'prescription.ready': {
    title: 'prescription.ready',
    description: 'Prescription issued, or dispensing status became Allocated (ready for pickup).',
    required: ['patient', 'prescription', 'centre'],
    properties: {
      patient: ref('patient'),
      prescription: {
        type: 'object',
        required: ['number'],
        properties: {
          number: text,
          status: { enum: ['issued', 'allocated'] },
          paymentInstructions: text,
          pickupInstructions: text,
        },
      },
      doctor: ref('doctor'),
      centre: ref('centre'),
    },
  },
  'report.ready': {
    title: 'report.ready',
    description: 'Diagnostic report verified and delivered.',
    required: ['patient', 'report', 'centre'],
    properties: {
      patient: ref('patient'),
      report: { type: 'object', required: ['id', 'name'], properties: { id: ref('id'), name: text } },
      doctor: ref('doctor'),
      centre: ref('centre'),
    },
  },
  'patient.registered': {
    title: 'patient.registered',
    description: 'Patient registered (registration confirmation).',
    required: ['patient', 'centre', 'clinicService', 'hospitalContact'],
    properties: {
      patient: ref('patient'),
      centre: ref('centre'),
      clinicService: text,
      hospitalContact: text,
      appointment: ref('appointment'),
      doctor: ref('doctor'),
    },
  },
  'patient.preferences_updated': {
    title: 'patient.preferences_updated',
    description:
      "A patient's choices changed in a partner system: Kabar records each (source event, actor = the event id) and notifies nobody.",
    required: ['patient', 'preferences'],
    properties: {
      patient: ref('patient'),
      preferences: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        items: {
          type: 'object',
          required: ['channel', 'status'],
          properties: {
            channel: { enum: ['whatsapp', 'email', 'sms', 'push'] },
            category: {
              enum: [...EVENT_CATEGORIES],
              description: 'An event category (eventCatalogue); absent = the whole channel',
            },
            status: { enum: ['opted_in', 'opted_out'] },
            evidence: {
              type: 'string',
              minLength: 1,
              maxLength: 500,
              description: 'What proves it, e.g. a consent form reference',
            },
          },
        },
      },
    },
  },
  'doctor.emergency_leave': {
    title: 'doctor.emergency_leave',
    description: 'Doctor on emergency leave; each affected patient gets a refund amount and a reschedule link.',
    required: ['doctor', 'centre', 'leaveFrom', 'affected'],
    properties: {
      doctor: ref('doctor'),
      centre: ref('centre'),
      leaveFrom: ref('dateTime'),
      leaveUntil: ref('dateTime'),
      affected: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['patient', 'appointment', 'refund', 'rescheduleUrl'],
          properties: {
            patient: ref('patient'),
            appointment: ref('appointment'),
            refund: ref('financial'),
            rescheduleUrl: { type: 'string', format: 'uri' },
          },
        },
      },
    },
  },
};
