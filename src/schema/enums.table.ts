import { pgEnum } from 'drizzle-orm/pg-core';

export const channelEnum = pgEnum('channel', ['WHATSAPP', 'EMAIL', 'SMS', 'PUSH']);
export const languageEnum = pgEnum('language', ['ID', 'EN', 'FR']);
export const whatsAppCategoryEnum = pgEnum('whatsapp_category', ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE']);
export const deliveryStatusEnum = pgEnum('delivery_status', [
  'QUEUED',
  'SENT',
  'DELIVERED',
  'READ',
  'FAILED',
  'SKIPPED',
]);
export const purchaseStatusEnum = pgEnum('credit_purchase_status', ['PENDING', 'PAID', 'FAILED', 'CANCELLED']);
export const transactionKindEnum = pgEnum('credit_transaction_kind', ['PURCHASE', 'DEBIT', 'REFUND', 'ADJUSTMENT']);
export const consentStatusEnum = pgEnum('consent_status', ['OPTED_IN', 'OPTED_OUT']);
export const templateApprovalStatusEnum = pgEnum('template_approval_status', [
  'APPROVED',
  'PENDING',
  'REJECTED',
  'PAUSED',
  'DISABLED',
  'UNKNOWN',
]);
