import { Field, ID, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';

// Enum values equal their database values, so rows pass through without mapping.
export enum Role { PLATFORM_ADMIN = 'PLATFORM_ADMIN', TENANT_ADMIN = 'TENANT_ADMIN', SUPPORT = 'SUPPORT', STAFF = 'STAFF', SERVICE = 'SERVICE' }
export enum Channel { WHATSAPP = 'WHATSAPP', EMAIL = 'EMAIL', SMS = 'SMS', PUSH = 'PUSH' }
export enum Language { ID = 'ID', EN = 'EN', FR = 'FR' }
export enum WhatsAppCategory { MARKETING = 'MARKETING', UTILITY = 'UTILITY', AUTHENTICATION = 'AUTHENTICATION', SERVICE = 'SERVICE' }
export enum DeliveryStatus { QUEUED = 'QUEUED', SENT = 'SENT', DELIVERED = 'DELIVERED', READ = 'READ', FAILED = 'FAILED', SKIPPED = 'SKIPPED' }
export enum CreditPurchaseStatus { PENDING = 'PENDING', PAID = 'PAID', FAILED = 'FAILED', CANCELLED = 'CANCELLED' }
export enum CreditTransactionKind { PURCHASE = 'PURCHASE', DEBIT = 'DEBIT', REFUND = 'REFUND', ADJUSTMENT = 'ADJUSTMENT' }
export enum TemplateApprovalStatus { APPROVED = 'APPROVED', PENDING = 'PENDING', REJECTED = 'REJECTED', PAUSED = 'PAUSED', DISABLED = 'DISABLED', UNKNOWN = 'UNKNOWN' }

registerEnumType(Role, { name: 'Role' });
registerEnumType(Channel, { name: 'Channel' });
registerEnumType(Language, { name: 'Language' });
registerEnumType(WhatsAppCategory, { name: 'WhatsAppCategory' });
registerEnumType(DeliveryStatus, { name: 'DeliveryStatus' });
registerEnumType(CreditPurchaseStatus, { name: 'CreditPurchaseStatus' });
registerEnumType(CreditTransactionKind, { name: 'CreditTransactionKind' });
registerEnumType(TemplateApprovalStatus, {
  name: 'TemplateApprovalStatus',
  description: "Meta's verdict on a WhatsApp template, from its webhooks (or a send it refused). REJECTED, PAUSED and DISABLED templates are not sent: their messages are skipped TEMPLATE_NOT_APPROVED and not charged. Meta's FLAGGED (a quality warning) and REINSTATED count as APPROVED, PENDING_DELETION as DISABLED; UNKNOWN until Meta says.",
});

@InterfaceType()
export abstract class Node {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** Page size limits from configuration, shared by every connection. */
export const pageLimits = (c: { KABAR_MAX_PAGE_SIZE: number; KABAR_DEFAULT_PAGE_SIZE: number }) => ({
  max: c.KABAR_MAX_PAGE_SIZE,
  def: Math.min(c.KABAR_DEFAULT_PAGE_SIZE, c.KABAR_MAX_PAGE_SIZE),
});
