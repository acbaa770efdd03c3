// The data of the events Kabar produces itself for a tenant's administrators and contacts.
import { ref, text, type Spec } from './shared.event-schema.js';

export const KABAR_SPECS: Record<string, Spec> = {
  'credit.purchase_status': {
    title: 'credit.purchase_status',
    description: "Produced by Kabar: a WhatsApp credit purchase changed status (to the tenant's contacts).",
    required: ['purchase'],
    properties: {
      purchase: {
        type: 'object',
        required: ['id', 'amount', 'currency', 'status'],
        properties: {
          id: ref('id'),
          amount: ref('money'),
          currency: ref('currency'),
          status: { enum: ['pending', 'paid', 'failed', 'cancelled'] },
          reference: text,
          failureReason: text,
        },
      },
      tenant: ref('tenant'),
    },
  },
  'credit.insufficient': {
    title: 'credit.insufficient',
    description: "Produced by Kabar: a WhatsApp message could not be paid for (to the tenant's administrators).",
    required: ['balance', 'currency', 'required', 'eventType'],
    properties: {
      balance: ref('money'),
      currency: ref('currency'),
      required: ref('money'),
      eventType: text,
      deliveryId: ref('id'),
      tenant: ref('tenant'),
    },
  },
  'whatsapp.template_status': {
    title: 'whatsapp.template_status',
    description:
      "Produced by Kabar: Meta changed its verdict on, or the category of, one of the tenant's WhatsApp templates (to the tenant's administrators).",
    required: ['template'],
    properties: {
      template: {
        type: 'object',
        required: ['name', 'language', 'status'],
        properties: {
          name: text,
          language: { ...text, description: "Meta's language code" },
          status: {
            enum: ['APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED', 'UNKNOWN'],
            description: 'What Kabar makes of the verdict: REJECTED, PAUSED and DISABLED templates are not sent',
          },
          event: { ...text, description: "Meta's own event (e.g. FLAGGED, REINSTATED, PENDING_DELETION)" },
          reason: text,
          category: {
            enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE'],
            description: 'The category Meta put the template in (it decides the price)',
          },
          previousCategory: { enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE'] },
        },
      },
      tenant: ref('tenant'),
    },
  },
};
