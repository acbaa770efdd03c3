import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  index,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { purchaseStatusEnum, transactionKindEnum } from './enums.table.js';
import { platformPolicy, tenantPolicy } from './roles.table.js';
import { tenants } from './tenants.table.js';

const money = (name: string) => numeric(name, { precision: 20, scale: 4 });

export const creditBalances = pgTable(
  'credit_balances',
  {
    tenantId: uuid('tenant_id')
      .primaryKey()
      .references(() => tenants.id),
    currency: text('currency').notNull(),
    balance: money('balance').notNull().default('0'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('credit_balance_not_negative', sql`${t.balance} >= 0`), tenantPolicy(t.tenantId)],
);

// The ledger: append-only (trigger), and the unique indexes below make "credited once per
// purchase" and "charged once / refunded once per delivery" hold in the database itself.
export const creditTransactions = pgTable(
  'credit_transactions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    kind: transactionKindEnum('kind').notNull(),
    amount: money('amount').notNull(),
    balanceAfter: money('balance_after').notNull(),
    deliveryId: uuid('delivery_id'),
    purchaseId: uuid('purchase_id'),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('credit_transactions_page').on(t.tenantId, t.seq),
    uniqueIndex('credit_once_per_purchase').on(t.purchaseId).where(sql`kind = 'PURCHASE'`),
    uniqueIndex('debit_once_per_delivery').on(t.deliveryId).where(sql`kind = 'DEBIT'`),
    uniqueIndex('refund_once_per_delivery').on(t.deliveryId).where(sql`kind = 'REFUND'`),
    tenantPolicy(t.tenantId),
  ],
);

export const creditPurchases = pgTable(
  'credit_purchases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    status: purchaseStatusEnum('status').notNull().default('PENDING'),
    reference: text('reference'),
    failureReason: text('failure_reason'),
    requestedBy: text('requested_by').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('purchase_amount_positive', sql`${t.amount} > 0`),
    index('credit_purchases_tenant').on(t.tenantId, t.requestedAt),
    tenantPolicy(t.tenantId),
    platformPolicy(),
  ],
);

// What Meta billed for each WhatsApp message (the `pricing` object of its status webhooks), and
// what Kabar did about it. The key makes the reconciliation happen once per delivery, whatever
// the order, repetition or lateness of the statuses; append-only (trigger).
export const whatsAppBilling = pgTable(
  'whatsapp_billing',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    deliveryId: uuid('delivery_id').notNull(),
    providerMessageId: text('provider_message_id').notNull(),
    billable: boolean('billable').notNull(),
    pricingModel: text('pricing_model'),
    /** Meta's category, as it wrote it ("utility", "marketing"…). */
    category: text('category'),
    /** regular, free_customer_service, free_entry_point. */
    type: text('type'),
    /** REFUNDED, ADJUSTED, MATCHED, NOT_CHARGED, NO_PRICE, UNCOVERED. */
    outcome: text('outcome').notNull(),
    /** The ledger movement made (signed; 0 = none). */
    amount: money('amount').notNull(),
    transactionId: uuid('transaction_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.deliveryId] }), tenantPolicy(t.tenantId)],
);
