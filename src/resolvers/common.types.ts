import { Field, ID, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';

// Enum values equal their database values, so rows pass through without mapping.
export enum Role {
  PLATFORM_ADMIN = 'PLATFORM_ADMIN',
  TENANT_ADMIN = 'TENANT_ADMIN',
  SUPPORT = 'SUPPORT',
  STAFF = 'STAFF',
  SERVICE = 'SERVICE',
}
export enum Channel {
  WHATSAPP = 'WHATSAPP',
  EMAIL = 'EMAIL',
  SMS = 'SMS',
  PUSH = 'PUSH',
}
export enum Language {
  ID = 'ID',
  EN = 'EN',
  FR = 'FR',
}
export enum WhatsAppCategory {
  MARKETING = 'MARKETING',
  UTILITY = 'UTILITY',
  AUTHENTICATION = 'AUTHENTICATION',
  SERVICE = 'SERVICE',
}
export enum DeliveryStatus {
  QUEUED = 'QUEUED',
  SENT = 'SENT',
  DELIVERED = 'DELIVERED',
  READ = 'READ',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}
export enum CreditPurchaseStatus {
  PENDING = 'PENDING',
  PAID = 'PAID',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
export enum CreditTransactionKind {
  PURCHASE = 'PURCHASE',
  DEBIT = 'DEBIT',
  REFUND = 'REFUND',
  ADJUSTMENT = 'ADJUSTMENT',
}
export enum TemplateApprovalStatus {
  APPROVED = 'APPROVED',
  PENDING = 'PENDING',
  REJECTED = 'REJECTED',
  PAUSED = 'PAUSED',
  DISABLED = 'DISABLED',
  UNKNOWN = 'UNKNOWN',
}

registerEnumType(Role, {
  name: 'Role',
  description: 'What a bearer token may do (its "roles" claim).',
  valuesConfig: {
    PLATFORM_ADMIN: {
      description:
        "Runs Kabar: creates tenants, sets WhatsApp prices, confirms credit purchases; may read any tenant's audit log and purchases.",
    },
    TENANT_ADMIN: {
      description: 'Administers one tenant: configuration, templates, routing, credit purchases, resends.',
    },
    SUPPORT: { description: "Reads one tenant's deliveries and audit log; records patients' choices." },
    STAFF: { description: "Reads one tenant's deliveries and configuration (a ward or front-desk screen)." },
    SERVICE: { description: "A partner system: publishes events and records patients' choices for one tenant." },
  },
});
registerEnumType(Channel, {
  name: 'Channel',
  description: 'How a message reaches its recipient.',
  valuesConfig: {
    WHATSAPP: {
      description: 'WhatsApp Business (360dialog): pre-approved templates, charged from the credit balance.',
    },
    EMAIL: { description: 'Email (Amazon SES).' },
    SMS: { description: 'SMS (a Twilio-style Messages API, or Amazon SNS).' },
    PUSH: { description: 'Mobile push notification (Firebase Cloud Messaging); no delivery receipts.' },
  },
});
registerEnumType(Language, {
  name: 'Language',
  description: 'The language a message is rendered in.',
  valuesConfig: {
    ID: { description: 'Bahasa Indonesia.' },
    EN: { description: 'English.' },
    FR: { description: 'French.' },
  },
});
registerEnumType(WhatsAppCategory, {
  name: 'WhatsAppCategory',
  description: "Meta's pricing category of a WhatsApp template: each has its own price per message.",
  valuesConfig: {
    MARKETING: { description: 'Promotions and offers.' },
    UTILITY: { description: 'Transactional: confirmations, reminders, results ready.' },
    AUTHENTICATION: { description: 'One-time passwords.' },
    SERVICE: { description: 'Replies within a customer-service window.' },
  },
});
registerEnumType(DeliveryStatus, {
  name: 'DeliveryStatus',
  description: 'Where one message is. QUEUED → SENT → DELIVERED → READ; FAILED and SKIPPED end it (with a reason).',
  valuesConfig: {
    QUEUED: {
      description: 'Recorded, waiting to be sent (or held by quiet hours, or retrying after a transient error).',
    },
    SENT: { description: 'The provider accepted it.' },
    DELIVERED: { description: "The provider reports it reached the recipient's device." },
    READ: { description: 'The recipient opened it (WhatsApp read receipts).' },
    FAILED: { description: 'It could not be sent or delivered; `reason` says why. May be retried or resent.' },
    SKIPPED: {
      description: 'Deliberately not sent (opt-out, no credit, channel disabled…); `reason` says why. May be resent.',
    },
  },
});
registerEnumType(CreditPurchaseStatus, {
  name: 'CreditPurchaseStatus',
  description: 'Where a WhatsApp credit purchase is.',
  valuesConfig: {
    PENDING: { description: 'Requested by the tenant, awaiting payment.' },
    PAID: { description: 'Confirmed by a platform admin: the amount was credited.' },
    FAILED: { description: 'Payment failed (see failureReason); nothing credited.' },
    CANCELLED: { description: 'Withdrawn while pending; nothing credited.' },
  },
});
registerEnumType(CreditTransactionKind, {
  name: 'CreditTransactionKind',
  description: 'Why the credit balance moved.',
  valuesConfig: {
    PURCHASE: { description: 'A paid purchase, credited (positive).' },
    DEBIT: { description: 'A WhatsApp message charged (negative).' },
    REFUND: { description: 'A charged message that was never delivered, given back (positive).' },
    ADJUSTMENT: { description: 'Any other movement, e.g. a manual retry charged again (signed).' },
  },
});
registerEnumType(TemplateApprovalStatus, {
  name: 'TemplateApprovalStatus',
  description:
    "Meta's verdict on a WhatsApp template, from its webhooks (or a send it refused). REJECTED, PAUSED and DISABLED templates are not sent: their messages are skipped TEMPLATE_NOT_APPROVED and not charged. Meta's FLAGGED (a quality warning) and REINSTATED count as APPROVED, PENDING_DELETION as DISABLED; UNKNOWN until Meta says.",
  valuesConfig: {
    APPROVED: { description: 'Meta approved it (also after FLAGGED or REINSTATED): messages go.' },
    PENDING: { description: 'Under review at Meta: messages go, Meta decides.' },
    REJECTED: {
      description: 'Meta rejected it (see whatsAppStatusReason): messages are skipped TEMPLATE_NOT_APPROVED.',
    },
    PAUSED: { description: 'Meta paused it for quality: messages are skipped TEMPLATE_NOT_APPROVED until reinstated.' },
    DISABLED: {
      description: 'Meta disabled it (or it is pending deletion): messages are skipped TEMPLATE_NOT_APPROVED.',
    },
    UNKNOWN: { description: 'Meta has not said yet.' },
  },
});

@InterfaceType({ description: 'Anything with a globally unique id.' })
export abstract class Node {
  @Field(() => ID, { description: 'Unique id (a UUID unless stated otherwise).' })
  id!: string;
}

@ObjectType({ description: 'Where a page of a connection ends (cursor pagination).' })
export class PageInfo {
  @Field(() => Boolean, { description: 'True when more items follow: ask again with after = endCursor.' })
  hasNextPage!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'The cursor of the last item of this page, for the next page; null on an empty page.',
  })
  endCursor!: string | null;
}

/** Page size limits from configuration, shared by every connection. */
export const pageLimits = (c: { KABAR_MAX_PAGE_SIZE: number; KABAR_DEFAULT_PAGE_SIZE: number }) => ({
  max: c.KABAR_MAX_PAGE_SIZE,
  def: Math.min(c.KABAR_DEFAULT_PAGE_SIZE, c.KABAR_MAX_PAGE_SIZE),
});
