import {
  excerpt,
  failure,
  isRecord,
  isTransientHttpStatus,
  parseJson,
  parseRetryAfter,
  post,
  trimBase,
} from './channel-http.js';
import { toE164 } from './sms.channel.js';
import type {
  InboundText,
  ProviderStatus,
  SendOutcome,
  TemplateUpdate,
  WhatsAppChannel,
  WhatsAppMessage,
  WhatsAppPricing,
  WhatsAppText,
} from './channel.types.js';

// WhatsApp through 360dialog's Cloud API (PROVIDERS.md "WhatsApp: 360dialog Cloud API").

export interface WhatsAppSettings {
  /** e.g. https://waba-v2.360dialog.io (WHATSAPP_API_URL). */
  baseUrl: string;
  timeoutMs: number;
  /** Meta's pair-rate interval (WHATSAPP_PAIR_INTERVAL_MS): a 131056 is retried no sooner. Default 6000. */
  pairIntervalMs?: number;
}

/** Meta error codes worth retrying (rate and throughput limits). */
export const WHATSAPP_TRANSIENT_CODES: ReadonlySet<number> = new Set([130429, 131056, 80007, 4]);
/** Meta error codes that no retry will fix. */
export const WHATSAPP_PERMANENT_CODES: ReadonlySet<number> = new Set([
  100, 131008, 131009, 132000, 132001, 132015, 132016, 131030, 190, 368,
]);

/**
 * How long a throughput or pair-rate refusal waits before its retry: never at once, and spread
 * (jitter) so a burst refused together does not come back together. 130429: the number's
 * one-second window, so 1 to 2 s. 131056: the recipient's next turn, so one pair interval plus up
 * to a quarter more. Other codes: none (the sender's backoff applies).
 */
export function whatsAppRetryAfterMs(code: number, pairIntervalMs = 6000, random = Math.random): number | undefined {
  if (code === 130429) return Math.round(1000 + random() * 1000);
  if (code === 131056) return Math.round(pairIntervalMs * (1 + random() / 4));
  return undefined;
}

export const WEBHOOK_SECRET_HEADER = 'X-Kabar-Webhook-Secret';

export function createWhatsAppChannel(settings: WhatsAppSettings): WhatsAppChannel {
  const base = trimBase(settings.baseUrl);
  const headers = (apiKey: string) => ({
    'D360-API-KEY': apiKey,
    'content-type': 'application/json',
    accept: 'application/json',
  });

  const sendMessage = async (apiKey: string, payload: Record<string, unknown>): Promise<SendOutcome> => {
    const answer = await post(
      `${base}/messages`,
      { headers: headers(apiKey), body: JSON.stringify(payload) },
      settings.timeoutMs,
    );
    if (!answer.ok) return answer.outcome;
    const body = parseJson(answer.text);
    if (answer.status >= 200 && answer.status < 300) {
      const id =
        isRecord(body) && Array.isArray(body.messages) && isRecord(body.messages[0]) ? body.messages[0].id : undefined;
      if (typeof id === 'string' && id) return { ok: true, providerMessageId: id };
      // Accepted but no id: retrying could send twice, so fail visibly instead.
      return failure(false, `HTTP ${answer.status} without a message id: ${excerpt(answer.text)}`);
    }
    return classifyWhatsAppError(
      answer.status,
      body,
      answer.text,
      parseRetryAfter(answer.headers.get('retry-after')),
      settings.pairIntervalMs,
    );
  };

  return {
    send: (msg: WhatsAppMessage) => sendMessage(msg.apiKey, templateBody(msg)),
    sendText: (msg: WhatsAppText) => sendMessage(msg.apiKey, textBody(msg)),

    async registerWebhook(apiKey: string, url: string, secret: string): Promise<SendOutcome> {
      const payload = { url, headers: { [WEBHOOK_SECRET_HEADER]: secret } };
      const answer = await post(
        `${base}/v1/configs/webhook`,
        { headers: headers(apiKey), body: JSON.stringify(payload) },
        settings.timeoutMs,
      );
      if (!answer.ok) return answer.outcome;
      // There is no message id here; the registered URL stands in for it.
      if (answer.status >= 200 && answer.status < 300) return { ok: true, providerMessageId: url };
      return classifyWhatsAppError(
        answer.status,
        parseJson(answer.text),
        answer.text,
        parseRetryAfter(answer.headers.get('retry-after')),
      );
    },
  };
}

/** The Cloud API template message; components are omitted when there is nothing to fill in. */
export function templateBody(msg: WhatsAppMessage): Record<string, unknown> {
  const template: Record<string, unknown> = {
    name: msg.templateName,
    language: { policy: 'deterministic', code: msg.language },
  };
  if (msg.parameters.length > 0) {
    template.components = [{ type: 'body', parameters: msg.parameters.map((text) => ({ type: 'text', text })) }];
  }
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: msg.to.replace(/^\+/, ''),
    type: 'template',
    template,
    ...(msg.reference ? { biz_opaque_callback_data: msg.reference } : {}),
  };
}

/**
 * A free-form text message: allowed only inside the 24-hour customer-service window a patient's
 * own message opened (Kabar sends it only to answer one), and not charged there.
 */
export function textBody(msg: WhatsAppText): Record<string, unknown> {
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: msg.to.replace(/^\+/, ''),
    type: 'text',
    text: { body: msg.body },
    ...(msg.reference ? { biz_opaque_callback_data: msg.reference } : {}),
  };
}

/** Meta errors branch on `error.code`; 360dialog's own errors and unknown codes on the HTTP status. */
export function classifyWhatsAppError(
  status: number,
  body: unknown,
  rawText = '',
  retryAfterMs?: number,
  pairIntervalMs?: number,
): SendOutcome {
  const byStatus = isTransientHttpStatus(status);
  if (isRecord(body) && isRecord(body.error) && typeof body.error.code === 'number') {
    const { code } = body.error;
    // Meta prefixes messages with "(#code) "; the reason already leads with the code.
    const message = String(body.error.message ?? '').replace(/^\(#\d+\)\s*/, '');
    const details =
      isRecord(body.error.error_data) && typeof body.error.error_data.details === 'string'
        ? body.error.error_data.details
        : '';
    const reason = `${code}: ${message}${details && details !== message ? ` (${details})` : ''}`;
    const transient = WHATSAPP_TRANSIENT_CODES.has(code) ? true : WHATSAPP_PERMANENT_CODES.has(code) ? false : byStatus;
    const byCode = whatsAppRetryAfterMs(code, pairIntervalMs);
    return failure(transient, reason, byCode === undefined ? retryAfterMs : Math.max(byCode, retryAfterMs ?? 0));
  }
  if (isRecord(body) && isRecord(body.meta)) {
    const code = typeof body.meta.http_code === 'number' ? body.meta.http_code : status;
    return failure(
      isTransientHttpStatus(code),
      `${code}: ${String(body.meta.developer_message ?? 'error')}`,
      retryAfterMs,
    );
  }
  if (isRecord(body) && typeof body.error === 'string') {
    return failure(byStatus, `${status}: ${body.error}`, retryAfterMs);
  }
  return failure(byStatus, `HTTP ${status}${rawText ? `: ${excerpt(rawText)}` : ''}`, retryAfterMs);
}

const STATUS_MAP: Record<string, ProviderStatus['status']> = {
  sent: 'SENT',
  delivered: 'DELIVERED',
  read: 'READ',
  failed: 'FAILED',
};

/** The `value`s of a webhook's "messages" changes (or the older top-level shape itself). */
function messageValues(body: unknown): unknown[] {
  if (isRecord(body) && !Array.isArray(body.entry)) return [body];
  return changeValues(body, (field) => field === undefined || field === 'messages');
}

/** The `value`s of a webhook's changes whose field passes `wanted`. */
function changeValues(body: unknown, wanted: (field: unknown) => boolean): unknown[] {
  if (!isRecord(body) || !Array.isArray(body.entry)) return [];
  const values: unknown[] = [];
  for (const entry of body.entry) {
    if (!isRecord(entry) || !Array.isArray(entry.changes)) continue;
    for (const change of entry.changes) if (isRecord(change) && wanted(change.field)) values.push(change.value);
  }
  return values;
}

/**
 * Meta/360dialog status webhook → normalised statuses. Incoming messages and other change
 * fields yield nothing. Also accepts the older top-level `{ statuses: [...] }` shape.
 */
export function parseWhatsAppWebhook(body: unknown): ProviderStatus[] {
  const out: ProviderStatus[] = [];
  for (const value of messageValues(body)) {
    if (!isRecord(value) || !Array.isArray(value.statuses)) continue;
    for (const s of value.statuses) {
      const parsed = parseOneStatus(s);
      if (parsed) out.push(parsed);
    }
  }
  return out;
}

function parseOneStatus(s: unknown): ProviderStatus | null {
  if (!isRecord(s) || typeof s.id !== 'string' || typeof s.status !== 'string') return null;
  const status = STATUS_MAP[s.status];
  if (!status) return null; // e.g. "deleted", "warning": not delivery states Kabar tracks
  const seconds = Number(s.timestamp);
  const at = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date();
  const result: ProviderStatus = { providerMessageId: s.id, status, at };
  if (typeof s.biz_opaque_callback_data === 'string' && s.biz_opaque_callback_data)
    result.deliveryId = s.biz_opaque_callback_data;
  if (status === 'FAILED') {
    const first = Array.isArray(s.errors) && isRecord(s.errors[0]) ? s.errors[0] : undefined;
    const title = first ? (first.title ?? first.message) : undefined;
    result.reason = first ? `${String(first.code ?? 'unknown')}: ${String(title ?? 'error')}` : 'failed';
  }
  const pricing = parsePricing(s.pricing);
  if (pricing) result.pricing = pricing;
  return result;
}

/** Meta's `pricing` object; anything without a boolean `billable` says nothing Kabar can act on. */
function parsePricing(p: unknown): WhatsAppPricing | null {
  if (!isRecord(p) || typeof p.billable !== 'boolean') return null;
  const str = (v: unknown) => (typeof v === 'string' && v ? v.slice(0, 100) : undefined);
  const out: WhatsAppPricing = { billable: p.billable };
  const [pricingModel, category, type] = [str(p.pricing_model), str(p.category), str(p.type)];
  if (pricingModel) out.pricingModel = pricingModel;
  if (category) out.category = category.toLowerCase();
  if (type) out.type = type.toLowerCase();
  return out;
}

/**
 * Meta's verdicts on the account's templates (`message_template_status_update`) and its
 * category changes (`template_category_update`). A change without a template name and
 * language names nothing Kabar keeps, and is left out.
 */
export function parseWhatsAppTemplateUpdates(body: unknown): TemplateUpdate[] {
  const out: TemplateUpdate[] = [];
  const fields = ['message_template_status_update', 'template_category_update'];
  for (const v of changeValues(body, (field) => fields.includes(String(field)))) {
    if (!isRecord(v)) continue;
    const name = text(v.message_template_name);
    const language = text(v.message_template_language)?.toLowerCase();
    if (!name || !language) continue;
    const update: TemplateUpdate = { name, language };
    const event = text(v.event)?.toUpperCase();
    if (event) update.event = event;
    const reason = verdictReason(v);
    if (reason) update.reason = reason;
    const newCategory = text(v.new_category)?.toUpperCase();
    if (newCategory) update.newCategory = newCategory;
    const previousCategory = text(v.previous_category)?.toUpperCase();
    if (previousCategory) update.previousCategory = previousCategory;
    if (update.event || update.newCategory) out.push(update);
  }
  return out;
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() ? v.trim().slice(0, 512) : undefined;

/** Meta's reason ("NONE" says there is none), with what a pause or a disable adds. */
function verdictReason(v: Record<string, unknown>): string | undefined {
  const parts: string[] = [];
  const reason = text(v.reason);
  if (reason && reason.toUpperCase() !== 'NONE') parts.push(reason);
  const other = isRecord(v.other_info) ? (text(v.other_info.title) ?? text(v.other_info.description)) : undefined;
  if (other) parts.push(other);
  const disabled = isRecord(v.disable_info) ? v.disable_info.disable_date : undefined;
  if (typeof disabled === 'number' || typeof disabled === 'string') {
    const at = typeof disabled === 'number' ? new Date(disabled * 1000) : new Date(disabled);
    parts.push(
      Number.isNaN(at.getTime()) ? `disabled on ${String(disabled)}` : `disabled on ${at.toISOString().slice(0, 10)}`,
    );
  }
  return parts.length ? parts.join('; ').slice(0, 500) : undefined;
}

/** The Meta error code a WhatsApp failure's reason leads with ("132015: Template is paused"), if any. */
export function whatsAppErrorCode(reason: string): number | null {
  const m = /^(\d{1,7}):/.exec(reason);
  return m ? Number(m[1]) : null;
}

/**
 * Patients' own messages in a webhook (`value.messages`): the text a patient typed or the
 * button they tapped. Media and other types carry no text and yield an empty body; a message
 * without an id or a usable sender number is left out.
 */
export function parseWhatsAppInbound(body: unknown): InboundText[] {
  const out: InboundText[] = [];
  for (const value of messageValues(body)) {
    if (!isRecord(value) || !Array.isArray(value.messages)) continue;
    for (const m of value.messages) {
      if (!isRecord(m) || typeof m.id !== 'string' || !m.id || typeof m.from !== 'string') continue;
      const from = toE164(m.from);
      if (from) out.push({ providerMessageId: m.id, from, body: inboundText(m) });
    }
  }
  return out;
}

function inboundText(m: Record<string, unknown>): string {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  if (m.type === 'text' && isRecord(m.text)) return str(m.text.body);
  if (m.type === 'button' && isRecord(m.button)) return str(m.button.text) || str(m.button.payload);
  if (m.type === 'interactive' && isRecord(m.interactive)) {
    const reply = m.interactive.button_reply ?? m.interactive.list_reply;
    return isRecord(reply) ? str(reply.title) : '';
  }
  return '';
}
