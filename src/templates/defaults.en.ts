// English default texts. WhatsApp bodies use only guaranteed variables: a Meta template
// has a fixed number of parameters and they may not be empty.
import type { EventTexts, PrivateTexts } from './texts.types.js';

const AUTO = 'This message was sent automatically by Kabar for {{centre.name}}.';

// Private previews (src/templates/private.ts): what SMS and push say of a clinical event
// when the tenant asks for lock-screen-safe texts. Nothing about the patient's care.
export const PRIVATE_TEXTS_EN: PrivateTexts = {
  sms: 'You have a new message from {{tenant.name}}{{#centre.name}} ({{centre.name}}){{/centre.name}}. Open WhatsApp or your email to read it.',
  push: {
    title: '{{tenant.name}}',
    body: 'You have a new message from {{tenant.name}}{{#centre.name}} ({{centre.name}}){{/centre.name}}. Open WhatsApp or your email to read it.',
  },
};

export const TEXTS_EN: Readonly<Record<string, EventTexts>> = {
  'appointment.confirmed': {
    email: {
      subject: 'Appointment confirmed – {{appointment.bookingReference}}',
      body: `Dear {{patient.name}},

Your appointment is confirmed.

Doctor: {{doctor.name}}
Date: {{appointment.slotDate}}
Time: {{appointment.slotTime}}
Booking reference: {{appointment.bookingReference}}
{{#financial.amount}}
Amount: {{financial.amount}}{{#financial.paymentStatus}} ({{financial.paymentStatus}}){{/financial.paymentStatus}}
{{/financial.amount}}

We look forward to seeing you{{#centre.phone}}. If you have any questions, please call us on {{centre.phone}}{{/centre.phone}}.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, your appointment with {{doctor.name}} at {{centre.name}} is confirmed for {{appointment.slotDate}} at {{appointment.slotTime}}.
Booking reference: {{appointment.bookingReference}}.
We look forward to seeing you.`,
    sms: '{{centre.name}}: your appointment with {{doctor.name}} on {{appointment.slotDate}} at {{appointment.slotTime}} is confirmed. Ref {{appointment.bookingReference}}.',
    push: {
      title: 'Appointment confirmed',
      body: '{{doctor.name}}, {{appointment.slotDate}} at {{appointment.slotTime}}.',
    },
  },

  'appointment.pending_approval': {
    email: {
      subject: 'Appointment request received – {{appointment.bookingReference}}',
      body: `Dear {{patient.name}},

We have received your appointment request. It needs to be approved by the doctor or our staff before it is confirmed.

Doctor: {{doctor.name}}
Date: {{appointment.slotDate}}
Time: {{appointment.slotTime}}
Booking reference: {{appointment.bookingReference}}

We will let you know as soon as it has been reviewed.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, we have received your appointment request with {{doctor.name}} at {{centre.name}} for {{appointment.slotDate}} at {{appointment.slotTime}} (ref. {{appointment.bookingReference}}).
It is awaiting approval; we will let you know as soon as it has been reviewed.`,
    sms: '{{centre.name}}: your request for {{doctor.name}} on {{appointment.slotDate}} at {{appointment.slotTime}} (ref {{appointment.bookingReference}}) is awaiting approval. We will let you know shortly.',
    push: {
      title: 'Appointment request received',
      body: 'Your request for {{appointment.slotDate}} at {{appointment.slotTime}} is awaiting approval.',
    },
  },

  'appointment.rejected': {
    email: {
      subject: 'Appointment request not approved – {{appointment.bookingReference}}',
      body: `Dear {{patient.name}},

We are sorry, but your appointment request with {{doctor.name}} on {{appointment.slotDate}} at {{appointment.slotTime}} (booking reference {{appointment.bookingReference}}) could not be approved.
{{#reason}}

Reason: {{reason}}
{{/reason}}

Please choose another slot or contact us{{#centre.phone}} on {{centre.phone}}{{/centre.phone}}; we will be glad to help.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, we are sorry: your appointment request with {{doctor.name}} on {{appointment.slotDate}} at {{appointment.slotTime}} (ref. {{appointment.bookingReference}}) could not be approved.
Please choose another slot or contact {{centre.name}}.`,
    sms: '{{centre.name}}: sorry, your request for {{doctor.name}} on {{appointment.slotDate}} at {{appointment.slotTime}} (ref {{appointment.bookingReference}}) was not approved. Please choose another slot.',
    push: {
      title: 'Appointment request not approved',
      body: 'Your request for {{appointment.slotDate}} at {{appointment.slotTime}} was not approved. Please choose another slot.',
    },
  },

  'appointment.cancelled': {
    email: {
      subject: 'Appointment cancelled – {{appointment.bookingReference}}',
      body: `Dear {{patient.name}},

Your appointment has been cancelled.

Doctor: {{doctor.name}}
Date: {{appointment.slotDate}}
Time: {{appointment.slotTime}}
Booking reference: {{appointment.bookingReference}}
Cancelled by: {{cancelledBy}}
{{#reason}}
Reason: {{reason}}
{{/reason}}
{{#financial.amount}}
Amount: {{financial.amount}}{{#financial.paymentStatus}} ({{financial.paymentStatus}}){{/financial.paymentStatus}}
{{/financial.amount}}

You are welcome to book a new appointment at any time{{#centre.phone}} or to call us on {{centre.phone}}{{/centre.phone}}.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, your appointment with {{doctor.name}} on {{appointment.slotDate}} at {{appointment.slotTime}} (ref. {{appointment.bookingReference}}) has been cancelled.
You are welcome to book a new appointment with {{centre.name}} at any time.`,
    sms: '{{centre.name}}: your appointment with {{doctor.name}} on {{appointment.slotDate}} at {{appointment.slotTime}} (ref {{appointment.bookingReference}}) has been cancelled.',
    push: {
      title: 'Appointment cancelled',
      body: 'Your appointment on {{appointment.slotDate}} at {{appointment.slotTime}} has been cancelled.',
    },
  },

  'appointment.rescheduled': {
    email: {
      subject: 'Appointment rescheduled – {{appointment.bookingReference}}',
      body: `Dear {{patient.name}},

Your appointment with {{doctor.name}} has been moved.

New date: {{appointment.slotDate}}
New time: {{appointment.slotTime}}
Previous slot: {{previousSlotDate}} at {{previousSlotTime}}
Booking reference: {{appointment.bookingReference}}

If the new time does not suit you, please contact us{{#centre.phone}} on {{centre.phone}}{{/centre.phone}}.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, your appointment with {{doctor.name}} at {{centre.name}} has been moved to {{appointment.slotDate}} at {{appointment.slotTime}} (previously {{previousSlotDate}} at {{previousSlotTime}}).
Booking reference: {{appointment.bookingReference}}.`,
    sms: '{{centre.name}}: your appointment with {{doctor.name}} has been moved to {{appointment.slotDate}} at {{appointment.slotTime}} (ref {{appointment.bookingReference}}).',
    push: { title: 'Appointment rescheduled', body: 'New time: {{appointment.slotDate}} at {{appointment.slotTime}}.' },
  },

  'appointment.completed': {
    email: {
      subject: 'Thank you for your visit – {{centre.name}}',
      body: `Dear {{patient.name}},

Thank you for visiting {{centre.name}}. Your consultation with {{doctor.name}} on {{appointment.slotDate}} (booking reference {{appointment.bookingReference}}) is complete.

If you have any questions about your care, please contact us{{#centre.phone}} on {{centre.phone}}{{/centre.phone}}.

We wish you good health.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, thank you for visiting {{centre.name}}. Your consultation with {{doctor.name}} (ref. {{appointment.bookingReference}}) is complete.
We wish you good health.`,
    sms: '{{centre.name}}: thank you for your visit. Your consultation with {{doctor.name}} is complete. We wish you good health.',
    push: { title: 'Thank you for your visit', body: 'Your consultation with {{doctor.name}} is complete.' },
  },

  'appointment.no_show': {
    email: {
      subject: 'Missed appointment – {{appointment.bookingReference}}',
      body: `Dear {{patient.name}},

We missed you at your appointment with {{doctor.name}} on {{appointment.slotDate}} at {{appointment.slotTime}} (booking reference {{appointment.bookingReference}}).

If you still need a consultation, please book a new appointment{{#centre.phone}} or call us on {{centre.phone}}{{/centre.phone}}.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, we missed you at your appointment with {{doctor.name}} on {{appointment.slotDate}} at {{appointment.slotTime}} (ref. {{appointment.bookingReference}}).
If you still need a consultation, please book a new appointment with {{centre.name}}.`,
    sms: '{{centre.name}}: we missed you at your appointment with {{doctor.name}} on {{appointment.slotDate}} at {{appointment.slotTime}}. Please book a new one if you still need it.',
    push: {
      title: 'Missed appointment',
      body: 'We missed you on {{appointment.slotDate}} at {{appointment.slotTime}}. Please book a new appointment if you still need one.',
    },
  },

  'appointment.reminder': {
    email: {
      subject: 'Reminder: your appointment on {{appointment.slotDate}} at {{appointment.slotTime}}',
      body: `Dear {{patient.name}},

This is a reminder that your appointment is in {{reminder.offset}}.

Doctor: {{doctor.name}}
Date: {{appointment.slotDate}}
Time: {{appointment.slotTime}}
Booking reference: {{appointment.bookingReference}}

Please arrive a little early{{#centre.phone}}. If you cannot attend, please let us know on {{centre.phone}}{{/centre.phone}}.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, this is a reminder that your appointment with {{doctor.name}} at {{centre.name}} is in {{reminder.offset}}, on {{appointment.slotDate}} at {{appointment.slotTime}}.
Booking reference: {{appointment.bookingReference}}.`,
    sms: 'Reminder from {{centre.name}}: your appointment with {{doctor.name}} is on {{appointment.slotDate}} at {{appointment.slotTime}} (ref {{appointment.bookingReference}}).',
    push: {
      title: 'Appointment reminder',
      body: 'Your appointment with {{doctor.name}} is in {{reminder.offset}}, at {{appointment.slotTime}}.',
    },
  },

  'walkin.token_called': {
    email: {
      subject: 'Your number {{walkIn.tokenNumber}} has been called',
      body: `Dear {{patient.name}},

Your number {{walkIn.tokenNumber}} ({{walkIn.queueName}}) has been called. Please go to {{walkIn.room}} now.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, your number {{walkIn.tokenNumber}} ({{walkIn.queueName}}) at {{centre.name}} has been called.
Please go to {{walkIn.room}} now.`,
    sms: '{{centre.name}}: number {{walkIn.tokenNumber}} has been called. Please go to {{walkIn.room}} now.',
    push: {
      title: 'Your number has been called',
      body: 'Number {{walkIn.tokenNumber}}: please go to {{walkIn.room}} now.',
    },
  },

  'walkin.approaching_turn': {
    email: {
      subject: 'Your turn is coming up – number {{walkIn.tokenNumber}}',
      body: `Dear {{patient.name}},

Your turn is coming up soon. Your number {{walkIn.tokenNumber}} ({{walkIn.queueName}}) is now at position {{walkIn.position}} in the queue.

Please stay close to the waiting area.
{{#walkIn.room}}
Room: {{walkIn.room}}
{{/walkIn.room}}

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, your turn at {{centre.name}} is coming up soon. Your number {{walkIn.tokenNumber}} is now at position {{walkIn.position}} in the {{walkIn.queueName}} queue.
Please stay close to the waiting area.`,
    sms: '{{centre.name}}: your turn is coming up. Number {{walkIn.tokenNumber}} is now at position {{walkIn.position}}. Please stay close to the waiting area.',
    push: {
      title: 'Your turn is coming up',
      body: 'Number {{walkIn.tokenNumber}} is at position {{walkIn.position}}. Please stay close to the waiting area.',
    },
  },

  'prescription.ready': {
    email: {
      subject: 'Your prescription {{prescription.number}} is ready',
      body: `Dear {{patient.name}},

Your prescription {{prescription.number}}{{#doctor.name}} from {{doctor.name}}{{/doctor.name}} is ready.
{{#prescription.paymentInstructions}}

Payment: {{prescription.paymentInstructions}}
{{/prescription.paymentInstructions}}
{{#prescription.pickupInstructions}}

Pickup: {{prescription.pickupInstructions}}
{{/prescription.pickupInstructions}}

If you have any questions, our pharmacy team will be glad to help{{#centre.phone}} on {{centre.phone}}{{/centre.phone}}.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, your prescription {{prescription.number}} is ready at {{centre.name}}.
Our pharmacy team will help you with payment and collecting your medicines.`,
    sms: '{{centre.name}}: your prescription {{prescription.number}} is ready.{{#prescription.pickupInstructions}} Pickup: {{prescription.pickupInstructions}}{{/prescription.pickupInstructions}}',
    push: {
      title: 'Prescription ready',
      body: 'Your prescription {{prescription.number}} is ready at {{centre.name}}.',
    },
  },

  'report.ready': {
    email: {
      subject: 'Your report is ready: {{report.name}}',
      body: `Dear {{patient.name}},

Your report has been verified and is now available: {{report.name}}.
{{#doctor.name}}

Please discuss the results with {{doctor.name}} at your next visit.
{{/doctor.name}}

If you have any questions, please contact us{{#centre.phone}} on {{centre.phone}}{{/centre.phone}}.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, your report ({{report.name}}) from {{centre.name}} has been verified and is now available.
If you have any questions about the results, please contact us.`,
    sms: '{{centre.name}}: your report ({{report.name}}) has been verified and is now available.',
    push: {
      title: 'Your report is ready',
      body: 'Your report ({{report.name}}) has been verified and is now available.',
    },
  },

  'doctor.emergency_leave': {
    email: {
      subject: 'Important: your appointment on {{appointment.slotDate}} cannot go ahead',
      body: `Dear {{patient.name}},

We are sorry to let you know that {{doctor.name}} is on emergency leave from {{leave.from}}{{#leave.until}} until {{leave.until}}{{/leave.until}}. Your appointment on {{appointment.slotDate}} at {{appointment.slotTime}} (booking reference {{appointment.bookingReference}}) therefore cannot go ahead.

Refund amount: {{refund.amount}}
Choose a new appointment: {{rescheduleUrl}}

We apologise for the inconvenience. If you need any help, please contact us{{#centre.phone}} on {{centre.phone}}{{/centre.phone}}.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, we are sorry to let you know that {{doctor.name}} at {{centre.name}} is on emergency leave, so your appointment on {{appointment.slotDate}} at {{appointment.slotTime}} (ref. {{appointment.bookingReference}}) cannot go ahead.
Refund amount: {{refund.amount}}
Choose a new appointment: {{rescheduleUrl}}
We apologise for the inconvenience.`,
    sms: '{{centre.name}}: {{doctor.name}} is on emergency leave; your appointment on {{appointment.slotDate}} at {{appointment.slotTime}} cannot go ahead. Refund: {{refund.amount}}. Rebook: {{rescheduleUrl}}',
    push: {
      title: 'Your appointment cannot go ahead',
      body: '{{doctor.name}} is on emergency leave. Please choose a new time for your appointment on {{appointment.slotDate}}.',
    },
  },

  'patient.registered': {
    email: {
      subject: 'Welcome to {{centre.name}}',
      body: `Dear {{patient.name}},

Thank you for registering with {{centre.name}}. Your registration for {{clinicService}} is complete.
{{#appointment.bookingReference}}

Your appointment{{#doctor.name}} with {{doctor.name}}{{/doctor.name}} is on {{appointment.slotDate}} at {{appointment.slotTime}} (booking reference {{appointment.bookingReference}}).
{{/appointment.bookingReference}}

If you have any questions, please contact us: {{hospitalContact}}.

Kind regards,
{{centre.name}}`,
    },
    whatsapp: `Hello {{patient.name}}, welcome to {{centre.name}}. Your registration for {{clinicService}} is complete.
If you have any questions, please contact us: {{hospitalContact}}.`,
    sms: '{{centre.name}}: welcome! Your registration for {{clinicService}} is complete. Questions: {{hospitalContact}}',
    push: {
      title: 'Registration complete',
      body: 'Welcome to {{centre.name}}. Your registration for {{clinicService}} is complete.',
    },
  },

  'credit.purchase_status': {
    email: {
      subject: 'WhatsApp credit purchase: {{purchase.status}}',
      body: `Hello{{#tenant.name}} {{tenant.name}} team{{/tenant.name}},

The status of your WhatsApp credit purchase of {{purchase.amount}} is now: {{purchase.status}}.
{{#purchase.reference}}
Reference: {{purchase.reference}}
{{/purchase.reference}}
{{#purchase.failureReason}}
Reason: {{purchase.failureReason}}
{{/purchase.failureReason}}

You can follow your credit balance in the Kabar dashboard.

Kind regards,
The Kabar team`,
    },
    whatsapp: `Hello, the status of your WhatsApp credit purchase of {{purchase.amount}} is now: {{purchase.status}}.
You can follow your credit balance in the Kabar dashboard.`,
    sms: 'Kabar: your WhatsApp credit purchase of {{purchase.amount}} is now: {{purchase.status}}.',
    push: {
      title: 'WhatsApp credit purchase',
      body: 'Your purchase of {{purchase.amount}} is now: {{purchase.status}}.',
    },
  },

  'billing.bill_generated': {
    email: {
      subject: 'New bill {{bill.number}} – {{bill.amount}}',
      body: `Hello,

A new bill has been generated at {{centre.name}}.

Bill number: {{bill.number}}
Amount: {{bill.amount}}
{{#patient.name}}
Patient: {{patient.name}}
{{/patient.name}}

${AUTO}`,
    },
    whatsapp: 'A new bill ({{bill.number}}) of {{bill.amount}} has been generated at {{centre.name}}.',
    sms: '{{centre.name}}: new bill {{bill.number}}, {{bill.amount}}{{#patient.name}}, patient {{patient.name}}{{/patient.name}}.',
    push: {
      title: 'New bill',
      body: 'Bill {{bill.number}}: {{bill.amount}}{{#patient.name}} ({{patient.name}}){{/patient.name}}.',
    },
  },

  'billing.refund_processed': {
    email: {
      subject: 'Refund processed – {{refund.amount}}',
      body: `Hello,

A refund has been processed at {{centre.name}}.

Amount: {{refund.amount}}
{{#patient.name}}
Patient: {{patient.name}}
{{/patient.name}}
{{#refund.reason}}
Reason: {{refund.reason}}
{{/refund.reason}}

${AUTO}`,
    },
    whatsapp: 'A refund of {{refund.amount}} has been processed at {{centre.name}}.',
    sms: '{{centre.name}}: refund of {{refund.amount}} processed{{#patient.name}} for {{patient.name}}{{/patient.name}}.',
    push: { title: 'Refund processed', body: 'A refund of {{refund.amount}} has been processed.' },
  },

  'billing.deposit_received': {
    email: {
      subject: 'Deposit received – {{deposit.amount}}',
      body: `Hello,

A deposit has been received at {{centre.name}}.

Amount: {{deposit.amount}}
{{#patient.name}}
Patient: {{patient.name}}
{{/patient.name}}

${AUTO}`,
    },
    whatsapp: 'A deposit of {{deposit.amount}} has been received at {{centre.name}}.',
    sms: '{{centre.name}}: deposit of {{deposit.amount}} received{{#patient.name}} from {{patient.name}}{{/patient.name}}.',
    push: { title: 'Deposit received', body: 'A deposit of {{deposit.amount}} has been received.' },
  },

  'package.purchased': {
    email: {
      subject: 'Package purchased: {{package.name}}',
      body: `Hello,

{{patient.name}} has purchased the package {{package.name}} at {{centre.name}}.
{{#package.remainingUses}}
Uses available: {{package.remainingUses}}
{{/package.remainingUses}}

${AUTO}`,
    },
    whatsapp: 'The package {{package.name}} has been purchased by {{patient.name}} at {{centre.name}}.',
    sms: '{{centre.name}}: {{patient.name}} has purchased the package {{package.name}}.',
    push: { title: 'Package purchased', body: '{{patient.name}} has purchased {{package.name}}.' },
  },

  'package.redeemed': {
    email: {
      subject: 'Package used: {{package.name}}',
      body: `Hello,

{{patient.name}} has used the package {{package.name}} at {{centre.name}}.
{{#package.remainingUses}}
Uses remaining: {{package.remainingUses}}
{{/package.remainingUses}}

${AUTO}`,
    },
    whatsapp: 'The package {{package.name}} of {{patient.name}} has been used at {{centre.name}}.',
    sms: '{{centre.name}}: {{patient.name}} has used the package {{package.name}}{{#package.remainingUses}}; {{package.remainingUses}} uses left{{/package.remainingUses}}.',
    push: { title: 'Package used', body: '{{patient.name}} has used {{package.name}}.' },
  },

  'package.expired': {
    email: {
      subject: 'Package expired: {{package.name}}',
      body: `Hello,

The package {{package.name}} of {{patient.name}} at {{centre.name}} has expired.
{{#package.remainingUses}}
Unused uses: {{package.remainingUses}}
{{/package.remainingUses}}

${AUTO}`,
    },
    whatsapp: 'The package {{package.name}} of {{patient.name}} at {{centre.name}} has expired.',
    sms: '{{centre.name}}: the package {{package.name}} of {{patient.name}} has expired.',
    push: { title: 'Package expired', body: 'The package {{package.name}} of {{patient.name}} has expired.' },
  },

  'package.exhausted': {
    email: {
      subject: 'Package used up: {{package.name}}',
      body: `Hello,

The package {{package.name}} of {{patient.name}} at {{centre.name}} has been used up: no uses are left.

${AUTO}`,
    },
    whatsapp: 'The package {{package.name}} of {{patient.name}} at {{centre.name}} has been used up.',
    sms: '{{centre.name}}: the package {{package.name}} of {{patient.name}} has been used up.',
    push: { title: 'Package used up', body: 'The package {{package.name}} of {{patient.name}} has no uses left.' },
  },

  'lab.test_requested': {
    email: {
      subject: 'Lab test requested: {{test.name}}{{#test.priority}} ({{test.priority}}){{/test.priority}}',
      body: `Hello,

A new lab test has been requested at {{centre.name}}.

Test: {{test.name}}
Patient: {{patient.name}}
{{#test.priority}}
Priority: {{test.priority}}
{{/test.priority}}
{{#doctor.name}}
Requested by: {{doctor.name}}
{{/doctor.name}}

${AUTO}`,
    },
    whatsapp: 'New lab test request at {{centre.name}}: {{test.name}} for {{patient.name}}.',
    sms: '{{centre.name}}: lab test {{test.name}} requested for {{patient.name}}{{#test.priority}}, priority {{test.priority}}{{/test.priority}}.',
    push: {
      title: 'Lab test requested',
      body: '{{test.name}} for {{patient.name}}{{#test.priority}} ({{test.priority}}){{/test.priority}}.',
    },
  },

  'credit.insufficient': {
    email: {
      subject: 'Insufficient WhatsApp credit – messages are not being sent',
      body: `Hello{{#tenant.name}} {{tenant.name}} team{{/tenant.name}},

A WhatsApp message could not be sent because your WhatsApp credit is insufficient.

Current balance: {{credit.balance}}
Price of the message: {{credit.required}}

Please top up your credit so that your patients keep receiving their WhatsApp messages. Messages on other channels are not affected.

Kind regards,
The Kabar team`,
    },
    whatsapp: `Your WhatsApp credit is insufficient (balance {{credit.balance}}, message price {{credit.required}}).
Please top up your credit so that your patients keep receiving their WhatsApp messages.`,
    sms: 'Kabar: insufficient WhatsApp credit (balance {{credit.balance}}, needed {{credit.required}}). Please top up your credit.',
    push: {
      title: 'Insufficient WhatsApp credit',
      body: 'Balance: {{credit.balance}}. Please top up to keep sending WhatsApp messages.',
    },
  },

  'whatsapp.template_status': {
    email: {
      subject: 'WhatsApp template {{template.name}} ({{template.language}}): {{template.status}}',
      body: `Hello{{#tenant.name}} {{tenant.name}} team{{/tenant.name}},

Meta changed its verdict on your WhatsApp template {{template.name}} ({{template.language}}).

Status: {{template.status}}
{{#template.reason}}
Reason: {{template.reason}}
{{/template.reason}}
{{#template.category}}
Category: {{template.category}}
{{/template.category}}

While a template is rejected, paused or disabled, Kabar does not send it (nor charge for it); a fallback channel is used where you set one. A new category changes the price of later messages.

Kind regards,
The Kabar team`,
    },
    whatsapp:
      'Meta changed its verdict on your WhatsApp template {{template.name}} ({{template.language}}): it is now {{template.status}}. Details are in your email and in Kabar.',
    sms: 'Kabar: WhatsApp template {{template.name}} ({{template.language}}) is now {{template.status}}.',
    push: {
      title: 'WhatsApp template {{template.status}}',
      body: '{{template.name}} ({{template.language}}){{#template.category}}, category {{template.category}}{{/template.category}}.',
    },
  },
};
