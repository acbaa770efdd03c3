import { excerpt, failure, isRecord, isTransientHttpStatus, parseJson, parseRetryAfter, post, trimBase } from './http.js';
import type { ProviderStatus, SendOutcome, WhatsAppChannel, WhatsAppMessage } from './types.js';

// WhatsApp through 360dialog's Cloud API (PROVIDERS.md "WhatsApp: 360dialog Cloud API").

export interface WhatsAppSettings {
  /** e.g. https://waba-v2.360dialog.io (WHATSAPP_API_URL). */
  baseUrl: string;
  timeoutMs: number;
}

/** Meta error codes worth retrying (rate and throughput limits). */
export const WHATSAPP_TRANSIENT_CODES: ReadonlySet<number> = new Set([130429, 131056, 80007, 4]);
/** Meta error codes that no retry will fix. */
export const WHATSAPP_PERMANENT_CODES: ReadonlySet<number> = new Set([
  100, 131008, 131009, 132000, 132001, 132015, 132016, 131030, 190, 368,
]);

export const WEBHOOK_SECRET_HEADER = 'X-Kabar-Webhook-Secret';

export function createWhatsAppChannel(settings: WhatsAppSettings): WhatsAppChannel {
  const base = trimBase(settings.baseUrl);
  const headers = (apiKey: string) => ({ 'D360-API-KEY': apiKey, 'content-type': 'application/json', accept: 'application/json' });

  return {
    async send(msg: WhatsAppMessage): Promise<SendOutcome> {
      const answer = await post(`${base}/messages`, { headers: headers(msg.apiKey), body: JSON.stringify(templateBody(msg)) }, settings.timeoutMs);
      if (!answer.ok) return answer.outcome;
      const body = parseJson(answer.text);
      if (answer.status >= 200 && answer.status < 300) {
        const id = isRecord(body) && Array.isArray(body.messages) && isRecord(body.messages[0]) ? body.messages[0].id : undefined;
        if (typeof id === 'string' && id) return { ok: true, providerMessageId: id };
        // Accepted but no id: retrying could send twice, so fail visibly instead.
        return failure(false, `HTTP ${answer.status} without a message id: ${excerpt(answer.text)}`);
      }
      return classifyWhatsAppError(answer.status, body, answer.text, parseRetryAfter(answer.headers.get('retry-after')));
    },

    async registerWebhook(apiKey: string, url: string, secret: string): Promise<SendOutcome> {
      const payload = { url, headers: { [WEBHOOK_SECRET_HEADER]: secret } };
      const answer = await post(`${base}/v1/configs/webhook`, { headers: headers(apiKey), body: JSON.stringify(payload) }, settings.timeoutMs);
      if (!answer.ok) return answer.outcome;
      // There is no message id here; the registered URL stands in for it.
      if (answer.status >= 200 && answer.status < 300) return { ok: true, providerMessageId: url };
      return classifyWhatsAppError(answer.status, parseJson(answer.text), answer.text, parseRetryAfter(answer.headers.get('retry-after')));
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

/** Meta errors branch on `error.code`; 360dialog's own errors and unknown codes on the HTTP status. */
export function classifyWhatsAppError(status: number, body: unknown, rawText = '', retryAfterMs?: number): SendOutcome {
  const byStatus = isTransientHttpStatus(status);
  if (isRecord(body) && isRecord(body.error) && typeof body.error.code === 'number') {
    const { code } = body.error;
    // Meta prefixes messages with "(#code) "; the reason already leads with the code.
    const message = String(body.error.message ?? '').replace(/^\(#\d+\)\s*/, '');
    const details = isRecord(body.error.error_data) && typeof body.error.error_data.details === 'string' ? body.error.error_data.details : '';
    const reason = `${code}: ${message}${details && details !== message ? ` (${details})` : ''}`;
    const transient = WHATSAPP_TRANSIENT_CODES.has(code) ? true : WHATSAPP_PERMANENT_CODES.has(code) ? false : byStatus;
    return failure(transient, reason, retryAfterMs);
  }
  if (isRecord(body) && isRecord(body.meta)) {
    const code = typeof body.meta.http_code === 'number' ? body.meta.http_code : status;
    return failure(isTransientHttpStatus(code), `${code}: ${String(body.meta.developer_message ?? 'error')}`, retryAfterMs);
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

/**
 * Meta/360dialog status webhook → normalised statuses. Incoming messages and other change
 * fields yield nothing. Also accepts the older top-level `{ statuses: [...] }` shape.
 */
export function parseWhatsAppWebhook(body: unknown): ProviderStatus[] {
  if (!isRecord(body)) return [];
  const values: unknown[] = [];
  if (Array.isArray(body.entry)) {
    for (const entry of body.entry) {
      if (!isRecord(entry) || !Array.isArray(entry.changes)) continue;
      for (const change of entry.changes) {
        if (isRecord(change) && (change.field === undefined || change.field === 'messages')) values.push(change.value);
      }
    }
  } else {
    values.push(body);
  }
  const out: ProviderStatus[] = [];
  for (const value of values) {
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
  if (typeof s.biz_opaque_callback_data === 'string' && s.biz_opaque_callback_data) result.deliveryId = s.biz_opaque_callback_data;
  if (status === 'FAILED') {
    const first = Array.isArray(s.errors) && isRecord(s.errors[0]) ? s.errors[0] : undefined;
    const title = first ? (first.title ?? first.message) : undefined;
    result.reason = first ? `${String(first.code ?? 'unknown')}: ${String(title ?? 'error')}` : 'failed';
  }
  return result;
}
