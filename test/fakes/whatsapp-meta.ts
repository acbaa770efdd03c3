// What Meta sends about templates and billing (PROVIDERS.md "Second release"): template status
// and category changes on the account's webhook, and the `pricing` object on message statuses.

/** One template change Meta reports to the account's webhook. */
function templateChange(field: string, value: Record<string, unknown>): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: '100000000000001', time: Math.floor(Date.now() / 1000), changes: [{ field, value }] }],
  };
}

let templateIds = 1_000_000_000;

/** `message_template_status_update`: Meta's verdict (reason "NONE" when there is none; a disable carries disable_info). */
export function whatsappTemplateStatusPayload(v: {
  name: string;
  language: string;
  event: string;
  reason?: string;
  disableDate?: number;
}): Record<string, unknown> {
  return templateChange('message_template_status_update', {
    event: v.event,
    message_template_id: templateIds++,
    message_template_name: v.name,
    message_template_language: v.language,
    reason: v.reason ?? 'NONE',
    ...(v.event === 'DISABLED'
      ? { disable_info: { disable_date: v.disableDate ?? Math.floor(Date.now() / 1000) } }
      : {}),
  });
}

/** `template_category_update`: Meta moved a template to another category. */
export function whatsappTemplateCategoryPayload(v: {
  name: string;
  language: string;
  previous: string;
  next: string;
}): Record<string, unknown> {
  return templateChange('template_category_update', {
    message_template_id: templateIds++,
    message_template_name: v.name,
    message_template_language: v.language,
    previous_category: v.previous,
    new_category: v.next,
  });
}

/** Meta's `pricing` object on a status (per-message pricing). */
export interface WhatsAppPricingSpec {
  billable: boolean;
  /** What Meta charged: "utility", "marketing"… */
  category: string;
  type?: 'regular' | 'free_customer_service' | 'free_entry_point';
}

const REGULAR_UTILITY: WhatsAppPricingSpec = { billable: true, category: 'utility', type: 'regular' };

/** Since per-message pricing (July 2025) sent and delivered statuses carry `pricing`; `conversation` is gone. */
export function pricingOf(status: string, pricing: WhatsAppPricingSpec | null | undefined): Record<string, unknown> {
  const p = pricing !== undefined ? pricing : status === 'sent' || status === 'delivered' ? REGULAR_UTILITY : null;
  return p
    ? { pricing: { billable: p.billable, pricing_model: 'PMP', category: p.category, type: p.type ?? 'regular' } }
    : {};
}
