import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FaultPlan, hang, sendJson, startFakeServer, type Fault, type FaultControls, withControls } from './server.js';
import { pricingOf, whatsappTemplateStatusPayload, type WhatsAppPricingSpec } from './whatsapp-meta.js';

// A fake 360dialog Cloud API: POST /messages (template messages, and free-form text answers) and
// POST /v1/configs/webhook. Its Meta keeps a verdict per template: a paused one is refused with
// 132015, a disabled one with 132016, and each verdict comes with the webhook Meta sends about it.

export interface WhatsAppFakeOptions {
  /** Accepted D360-API-KEY values (more with issueKey); unset = any non-empty key. */
  apiKeys?: string[];
  /** Approved templates (more with approveTemplate); unset = any name/language/parameter count is accepted. */
  templates?: Record<string, { languages: string[]; parameters: number }>;
  /** How long a "timeout" fault holds the request before dropping it. */
  hangMs?: number;
}

export interface WhatsAppReceived {
  apiKey: string;
  to: string;
  recipientType: unknown;
  templateName: string;
  language: string;
  policy: unknown;
  parameters: string[];
  /** Whether the request carried a components array at all. */
  hasComponents: boolean;
  body: Record<string, any>;
  messageId: string;
}

/** A free-form `type: "text"` message (only valid inside a customer-service window). */
export interface WhatsAppTextReceived {
  apiKey: string;
  /** Digits, as on the wire (no "+"). */
  to: string;
  recipientType: unknown;
  text: string;
  body: Record<string, any>;
  messageId: string;
}

/** One POST /messages as it reached the fake, answered or refused: what Meta's rate limits count. */
export interface WhatsAppAttempt {
  /** The D360-API-KEY: 360dialog issues one per sender number, so it names the number. */
  apiKey: string;
  /** Digits, as on the wire. */
  to: string;
  /** Arrival, ms (Date.now()). */
  at: number;
  /** The HTTP status answered, and Meta's error code if any (set when the answer is written). */
  status?: number;
  code?: number;
}

export interface WhatsAppFake extends FaultControls {
  url: string;
  /** Every message request per arrival (faults included), for throughput and retry timing. */
  requests: WhatsAppAttempt[];
  /** Template messages. */
  received: WhatsAppReceived[];
  /** Free-form text messages, apart: a test counting templates is not thrown off by them. */
  texts: WhatsAppTextReceived[];
  webhooks: { apiKey: string; url: string; headers: Record<string, string> }[];
  /** Called for each accepted message after its answer (receipts: test/fakes/receipts.ts). */
  onAccepted?: (message: WhatsAppReceived) => void;
  /** Meta's verdict per template ("name:language"); cleared by reset(). */
  verdicts: Map<string, string>;
  /**
   * Meta decides on a template (APPROVED, PAUSED, DISABLED, REJECTED, FLAGGED, REINSTATED…): the
   * fake sends accordingly from now on, and returns the webhook body Meta sends about it.
   */
  templateVerdict(
    name: string,
    language: string,
    event: string,
    extra?: { reason?: string; disableDate?: number },
  ): Record<string, unknown>;
  /** 360dialog issues an API key (for a sender number): requests with it are accepted from now on. */
  issueKey(key: string): string;
  /** Meta approves a template variant: `name` in `language` with `parameters` body parameters. */
  approveTemplate(name: string, language: string, parameters: number): void;
}

/** Meta's verdicts under which a send with the template is refused, and with which code. */
const REFUSED: Readonly<Record<string, number>> = { PAUSED: 132015, DISABLED: 132016, PENDING_DELETION: 132016 };

/** Meta's messages for the codes the fake produces (wording from Meta's error-code table, abridged). */
const META_MESSAGES: Record<number, string> = {
  4: 'Too many calls',
  100: 'Invalid parameter',
  190: 'Access token has expired',
  368: 'Temporarily blocked for policies violations',
  80007: 'Rate limit issues',
  130429: 'Rate limit hit',
  131008: 'Required parameter is missing',
  131009: 'Parameter value is not valid',
  131026: 'Message undeliverable',
  131030: 'Recipient phone number not in allowed list',
  131047: 'Re-engagement message',
  131056: '(Business Account, Consumer Account) pair rate limit hit',
  132000: 'Number of parameters does not match the expected number of params',
  132001: 'Template name does not exist in the translation',
  132015: 'Template is paused',
  132016: 'Template is disabled',
};

function metaError(res: ServerResponse, httpStatus: number, code: number, details?: string): void {
  (res as ServerResponse & { metaCode?: number }).metaCode = code;
  const message = `(#${code}) ${META_MESSAGES[code] ?? 'Error'}`;
  sendJson(res, httpStatus, {
    error: {
      message,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details: details ?? META_MESSAGES[code] ?? 'Error' },
      fbtrace_id: randomBytes(12).toString('base64url'),
    },
  });
}

function dialogError(res: ServerResponse, httpStatus: number, developerMessage: string): void {
  sendJson(res, httpStatus, { meta: { success: false, http_code: httpStatus, developer_message: developerMessage } });
}

export async function startWhatsAppFake(options: WhatsAppFakeOptions = {}): Promise<WhatsAppFake> {
  const plan = new FaultPlan();
  const received: WhatsAppReceived[] = [];
  const texts: WhatsAppTextReceived[] = [];
  const webhooks: WhatsAppFake['webhooks'] = [];
  const requests: WhatsAppAttempt[] = [];
  const counter = { attempts: 0 };
  const hangMs = options.hangMs ?? 10_000;
  const verdicts = new Map<string, string>();
  // Strict when configured: only issued keys, and approved template variants ("name:language" → parameter count).
  const keys = options.apiKeys ? new Set(options.apiKeys) : null;
  const approved = options.templates ? new Map<string, number>() : null;
  for (const [name, t] of Object.entries(options.templates ?? {}))
    for (const l of t.languages) approved!.set(`${name}:${l}`, t.parameters);
  const known = (name: string) => [...(approved?.keys() ?? [])].some((k) => k.startsWith(`${name}:`));

  const injectFault = (res: ServerResponse, fault: Fault): void => {
    switch (fault.kind) {
      case 'timeout':
        return hang(res, hangMs);
      case '429':
        return metaError(res, 429, Number(fault.code ?? 130429), 'Cloud API message throughput has been reached.');
      case '5xx':
        return dialogError(res, Number(fault.code ?? 502), 'Bad gateway: the WhatsApp Business API did not answer');
      case 'permanent': {
        const code = Number(fault.code ?? 132001);
        if (code === 401) return dialogError(res, 401, 'Invalid api key');
        return metaError(res, 400, code);
      }
    }
  };

  const server = await startFakeServer(({ req, res, method, path, body }) => {
    counter.attempts++;
    const apiKey = String(req.headers['d360-api-key'] ?? '');
    if (!apiKey || (keys && !keys.has(apiKey))) return dialogError(res, 401, 'Invalid api key');
    if (method !== 'POST' || (path !== '/messages' && path !== '/v1/configs/webhook')) {
      return sendJson(res, 404, { error: 'Not Found' });
    }
    let json: any;
    try {
      json = JSON.parse(body);
    } catch {
      return metaError(res, 400, 100, 'Request body is not valid JSON');
    }
    if (path === '/messages') {
      const attempt: WhatsAppAttempt = { apiKey, to: String(json?.to ?? ''), at: Date.now() };
      requests.push(attempt);
      res.on('finish', () =>
        Object.assign(attempt, {
          status: res.statusCode,
          code: (res as ServerResponse & { metaCode?: number }).metaCode,
        }),
      );
    }
    // A provider validates before anything else can go wrong: faults strike only well-formed requests.
    if (path === '/v1/configs/webhook') {
      if (typeof json?.url !== 'string' || !json.url) return sendJson(res, 400, { error: 'url is required' });
      const fault = plan.next();
      if (fault && fault.kind !== 'late') return injectFault(res, fault);
      webhooks.push({ apiKey, url: json.url, headers: json.headers ?? {} });
      return sendJson(res, 200, { url: json.url });
    }

    // Validation in the order Meta reports problems (our best understanding).
    if (json?.messaging_product !== 'whatsapp')
      return metaError(res, 400, 100, 'The parameter messaging_product is required.');
    if (typeof json.to !== 'string' || !/^\+?\d{6,15}$/.test(json.to))
      return metaError(res, 400, 100, 'The parameter to is invalid.');
    if (json.type === 'text') {
      const text = json.text?.body;
      if (typeof text !== 'string' || !text.trim())
        return metaError(res, 400, 100, "The parameter text['body'] is required.");
      if (text.length > 4096)
        return metaError(res, 400, 100, "The parameter text['body'] must be at most 4096 characters.");
      if (!/^\d{6,15}$/.test(json.to)) return metaError(res, 400, 100, 'The parameter to is invalid.');
      const fault = plan.next();
      if (fault && fault.kind !== 'late') return injectFault(res, fault);
      const messageId = `wamid.${randomBytes(24).toString('base64url')}`;
      texts.push({ apiKey, to: json.to, recipientType: json.recipient_type, text, body: json, messageId });
      return sendJson(res, 200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: json.to, wa_id: json.to }],
        messages: [{ id: messageId }],
      });
    }
    if (json.type !== 'template')
      return metaError(res, 400, 100, 'Only template and text messages are expected by this fake.');
    const t = json.template;
    if (typeof t?.name !== 'string' || !t.name)
      return metaError(res, 400, 131008, "The parameter template['name'] is required.");
    if (typeof t.language?.code !== 'string' || !t.language.code)
      return metaError(res, 400, 131008, "The parameter template['language']['code'] is required.");
    if (t.language.policy !== undefined && t.language.policy !== 'deterministic')
      return metaError(res, 400, 100, 'language.policy must be deterministic');
    if (t.components !== undefined && !Array.isArray(t.components))
      return metaError(res, 400, 100, 'components must be an array');
    const parameters: string[] = [];
    for (const c of t.components ?? []) {
      if (!['header', 'body', 'button', 'footer'].includes(c?.type))
        return metaError(res, 400, 100, 'Invalid component type');
      for (const p of c.parameters ?? []) {
        if (p?.type !== 'text' || typeof p.text !== 'string')
          return metaError(res, 400, 131009, 'Parameter value is not valid');
        if (c.type === 'body') parameters.push(p.text);
      }
    }
    const variant = `${t.name}:${t.language.code}`;
    const expected = approved?.get(variant);
    if (approved && expected === undefined) {
      const details = known(t.name)
        ? `template name (${t.name}) does not exist in ${t.language.code}`
        : `template name (${t.name}) does not exist`;
      return metaError(res, 404, 132001, details);
    }
    const refusedWith = REFUSED[verdicts.get(variant) ?? ''];
    if (refusedWith)
      return metaError(
        res,
        400,
        refusedWith,
        `template ${t.name} (${t.language.code}) is ${verdicts.get(variant)!.toLowerCase()}`,
      );
    if (expected !== undefined && expected !== parameters.length) {
      return metaError(
        res,
        400,
        132000,
        `body: number of localizable_params (${parameters.length}) does not match the expected number of params (${expected})`,
      );
    }
    if (parameters.some((x) => !x.trim())) return metaError(res, 400, 131008, 'Parameter text may not be empty');
    const fault = plan.next();
    if (fault && fault.kind !== 'late') return injectFault(res, fault);

    const messageId = `wamid.${randomBytes(24).toString('base64url')}`;
    received.push({
      apiKey,
      to: json.to,
      recipientType: json.recipient_type,
      templateName: t.name,
      language: t.language.code,
      policy: t.language.policy,
      parameters,
      hasComponents: t.components !== undefined,
      body: json,
      messageId,
    });
    const waId = json.to.replace(/^\+/, '');
    const answer = () =>
      sendJson(res, 200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: json.to, wa_id: waId }],
        messages: [{ id: messageId }],
      });
    if (fault?.kind === 'late') setTimeout(() => !res.writableEnded && !res.destroyed && answer(), hangMs).unref();
    else answer();
    fake.onAccepted?.(received.at(-1)!);
  });

  const fake: WhatsAppFake = withControls<Omit<WhatsAppFake, keyof FaultControls>>(
    {
      url: server.url,
      received,
      texts,
      webhooks,
      requests,
      verdicts,
      templateVerdict(name, language, event, extra = {}) {
        verdicts.set(`${name}:${language}`, event);
        return whatsappTemplateStatusPayload({ name, language, event, ...extra });
      },
      issueKey(key) {
        keys?.add(key);
        return key;
      },
      approveTemplate(name, language, parameters) {
        approved?.set(`${name}:${language}`, parameters);
      },
    },
    plan,
    server,
    counter,
    [received, texts, webhooks, requests],
    () => verdicts.clear(),
  );
  return fake;
}

export interface WhatsAppStatusSpec {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  recipientId?: string;
  errors?: { code: number; title: string }[];
  /** Echoed `biz_opaque_callback_data` of the send. */
  callbackData?: string;
  /** What Meta bills; default on sent and delivered: a regular, billable utility message. Null: none. */
  pricing?: WhatsAppPricingSpec | null;
}

/** A Meta status webhook body, as 360dialog forwards it. */
export function whatsappStatusPayload(
  statuses: WhatsAppStatusSpec[],
  phoneNumberId = '1234567890',
): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '100000000000001',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '6281100000000', phone_number_id: phoneNumberId },
              statuses: statuses.map((s) => ({
                id: s.id,
                status: s.status,
                timestamp: String(s.timestamp ?? Math.floor(Date.now() / 1000)),
                recipient_id: s.recipientId ?? '6281234567890',
                ...(s.callbackData ? { biz_opaque_callback_data: s.callbackData } : {}),
                ...pricingOf(s.status, s.pricing),
                ...(s.errors
                  ? { errors: s.errors.map((e) => ({ ...e, message: e.title, error_data: { details: e.title } })) }
                  : {}),
              })),
            },
          },
        ],
      },
    ],
  };
}

/** What a patient sends: typed text, a template's quick-reply button, or an interactive reply. */
export type IncomingSpec =
  | { type?: 'text'; text: string }
  | { type: 'button'; text: string; payload?: string }
  | { type: 'interactive'; title: string; list?: boolean };

function incomingMessage(from: string, id: string, spec: IncomingSpec): Record<string, unknown> {
  const base = { from, id, timestamp: String(Math.floor(Date.now() / 1000)) };
  switch (spec.type) {
    case 'button':
      return { ...base, type: 'button', button: { text: spec.text, payload: spec.payload ?? spec.text } };
    case 'interactive': {
      const reply = { id: `reply-${randomBytes(4).toString('hex')}`, title: spec.title };
      return {
        ...base,
        type: 'interactive',
        interactive: spec.list
          ? { type: 'list_reply', list_reply: reply }
          : { type: 'button_reply', button_reply: reply },
      };
    }
    default:
      return { ...base, type: 'text', text: { body: spec.text } };
  }
}

/** Patients' messages as 360dialog forwards them (`value.messages`); `from` is digits without "+". */
export function whatsappInboundPayload(
  from: string,
  messages: (IncomingSpec & { id?: string })[],
): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '100000000000001',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '6281100000000', phone_number_id: '1234567890' },
              contacts: [{ profile: { name: 'Budi' }, wa_id: from }],
              messages: messages.map((m) =>
                incomingMessage(from, m.id ?? `wamid.${randomBytes(16).toString('base64url')}`, m),
              ),
            },
          },
        ],
      },
    ],
  };
}

/** An incoming user message: a webhook with no statuses. */
export function whatsappIncomingMessagePayload(from: string, text: string): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '100000000000001',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '6281100000000', phone_number_id: '1234567890' },
              contacts: [{ profile: { name: 'Budi' }, wa_id: from }],
              messages: [
                {
                  from,
                  id: `wamid.${randomBytes(16).toString('base64url')}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: 'text',
                  text: { body: text },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

/** Posts a webhook to Kabar the way 360dialog does: JSON plus the registered secret header. */
export async function sendWhatsAppWebhook(url: string, secret: string | null, payload: unknown): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret !== null) headers['X-Kabar-Webhook-Secret'] = secret;
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(payload) });
}
