// The data of the staff events: billing, packages and lab requests.
import { nonNegativeInteger, ref, text, type Schema, type Spec } from './shared.event-schema.js';

const amountObject = (title: string, extra: Record<string, Schema> = {}, extraRequired: string[] = []): Schema => ({
  type: 'object',
  description: title,
  required: ['id', 'amount', 'currency', ...extraRequired],
  properties: { id: ref('id'), amount: ref('money'), currency: ref('currency'), ...extra },
});

const packageSpec = (type: string, what: string): [string, Spec] => [
  type,
  {
    title: type,
    description: `A patient's package ${what} (staff event).`,
    required: ['package', 'patient', 'centre'],
    properties: {
      package: {
        type: 'object',
        required: ['id', 'name'],
        properties: { id: ref('id'), name: text, remainingUses: nonNegativeInteger },
      },
      patient: ref('patient'),
      centre: ref('centre'),
    },
  },
];

export const STAFF_SPECS: Record<string, Spec> = {
  'billing.bill_generated': {
    title: 'billing.bill_generated',
    description: 'A bill was generated (staff event, billing).',
    required: ['bill', 'centre'],
    properties: {
      bill: amountObject('The bill', { number: text }, ['number']),
      patient: ref('patient'),
      centre: ref('centre'),
    },
  },
  'billing.refund_processed': {
    title: 'billing.refund_processed',
    description: 'A refund was processed (staff event, finance).',
    required: ['refund', 'centre'],
    properties: {
      refund: amountObject('The refund', { reason: text }),
      patient: ref('patient'),
      centre: ref('centre'),
    },
  },
  'billing.deposit_received': {
    title: 'billing.deposit_received',
    description: 'A deposit was received (staff event, accounts).',
    required: ['deposit', 'centre'],
    properties: { deposit: amountObject('The deposit'), patient: ref('patient'), centre: ref('centre') },
  },
  ...Object.fromEntries([
    packageSpec('package.purchased', 'was purchased'),
    packageSpec('package.redeemed', 'was redeemed'),
    packageSpec('package.expired', 'expired'),
    packageSpec('package.exhausted', 'has no uses left'),
  ]),
  'lab.test_requested': {
    title: 'lab.test_requested',
    description: 'A lab test was requested (staff event, lab).',
    required: ['test', 'patient', 'centre'],
    properties: {
      test: {
        type: 'object',
        required: ['id', 'name'],
        properties: { id: ref('id'), name: text, priority: { enum: ['routine', 'urgent'] } },
      },
      patient: ref('patient'),
      doctor: ref('doctor'),
      centre: ref('centre'),
    },
  },
};
