// What every channel adapter promises. Adapters never throw for a provider's answer:
// the outcome is data (sent, transient failure, permanent failure). They throw only for
// programming errors.

export type SendOutcome =
  | { ok: true; providerMessageId: string }
  | {
      ok: false;
      /** Timeouts, 429, 5xx and the provider's documented transient codes: retry with backoff. */
      transient: boolean;
      /** Provider's reason, e.g. "131026 Message undeliverable" or "MessageRejected: Email address is not verified". */
      reason: string;
      /** From a Retry-After header, when the provider gives one. */
      retryAfterMs?: number;
      /**
       * No answer, but the request may have reached the provider (a timeout, a connection lost
       * mid-request): sending again may deliver it twice, since providers take no idempotency key.
       */
      ambiguous?: boolean;
    };

export interface WhatsAppMessage {
  /** The tenant's 360dialog API key (decrypted by the caller, never logged). */
  apiKey: string;
  /** E.164 with "+"; the adapter strips it for the wire. */
  to: string;
  templateName: string;
  /** Meta language code: "id", "en" or "fr". */
  language: string;
  /** Body parameters in order. */
  parameters: string[];
  /** Kabar's delivery id, sent as `biz_opaque_callback_data` so status webhooks name the delivery. */
  reference?: string;
}

/** A free-form text answering a patient inside the customer-service window their message opened. */
export interface WhatsAppText {
  apiKey: string;
  /** E.164 with "+". */
  to: string;
  body: string;
  reference?: string;
}

/** A patient's own message (WhatsApp or SMS), as the provider's webhook gives it. */
export interface InboundText {
  /** wamid, or Twilio's MessageSid. */
  providerMessageId: string;
  /** E.164 with "+". */
  from: string;
  body: string;
}

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** SES message tags, e.g. { tenant: "...", delivery: "..." } (values [A-Za-z0-9_.-]). */
  tags?: Record<string, string>;
}

export interface SmsMessage {
  to: string;
  body: string;
  /** Kabar's status callback URL for this tenant. */
  statusCallback: string;
}

export interface PushMessage {
  deviceToken: string;
  title: string;
  body: string;
  data?: Record<string, string>;
}

/** A provider's status report, normalised (webhooks of WhatsApp, SES via SNS, SMS callback). */
export interface ProviderStatus {
  providerMessageId: string;
  /**
   * Kabar's delivery id when the provider echoes it (WhatsApp biz_opaque_callback_data, SES tag,
   * SMS callback URL): lets a receipt settle a send whose answer a crash cut off.
   */
  deliveryId?: string;
  status: 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';
  at: Date;
  reason?: string;
  /** WhatsApp: what Meta bills for the message (its `pricing` object), when the status carries it. */
  pricing?: WhatsAppPricing;
}

/** Meta's `pricing` object on a status: whether and under which category it bills the message. */
export interface WhatsAppPricing {
  billable: boolean;
  /** "PMP" (per-message pricing). */
  pricingModel?: string;
  /** What Meta charged: "utility", "marketing", "authentication"… */
  category?: string;
  /** "regular", "free_customer_service" or "free_entry_point". */
  type?: string;
}

/** Meta's word on a template of the account: a status verdict, a category change, or both. */
export interface TemplateUpdate {
  name: string;
  /** Meta's language code, lowercased. */
  language: string;
  /** APPROVED, PENDING, REJECTED, PAUSED, DISABLED, FLAGGED, REINSTATED, PENDING_DELETION… */
  event?: string;
  /** Why, as Meta explains it (a rejection's reason, a pause's or a disable's details). */
  reason?: string;
  /** A category change: Meta's new category (uppercase). */
  newCategory?: string;
  previousCategory?: string;
}

export interface WhatsAppChannel {
  send(msg: WhatsAppMessage): Promise<SendOutcome>;
  /** A free-form `type: "text"` message (only as an answer inside a customer-service window). */
  sendText(msg: WhatsAppText): Promise<SendOutcome>;
  /** Registers Kabar's status webhook with a secret header (360dialog POST /v1/configs/webhook). */
  registerWebhook(apiKey: string, url: string, secret: string): Promise<SendOutcome>;
}
export interface EmailChannel {
  send(msg: EmailMessage): Promise<SendOutcome>;
}
export interface SmsChannel {
  send(msg: SmsMessage): Promise<SendOutcome>;
}
export interface PushChannel {
  send(msg: PushMessage): Promise<SendOutcome>;
}

export interface Channels {
  whatsapp: WhatsAppChannel;
  email: EmailChannel;
  sms: SmsChannel;
  push: PushChannel;
}
