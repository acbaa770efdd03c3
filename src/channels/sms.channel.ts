import { createHmac, timingSafeEqual } from 'node:crypto';
import querystring from 'node:querystring';
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
import type { InboundText, ProviderStatus, SendOutcome, SmsChannel, SmsMessage } from './channel.types.js';

// SMS through a Twilio-style Messages API (PROVIDERS.md "SMS: Twilio-style Messages API").

export interface SmsSettings {
  /** e.g. https://api.twilio.com (SMS_API_URL). */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** Sender number or alphanumeric sender id. */
  from: string;
  timeoutMs: number;
}

/** Twilio error codes no retry will fix: invalid number, opted out, authentication. */
export const SMS_PERMANENT_CODES: ReadonlySet<number> = new Set([21211, 21610, 20003]);
/** 20429 is Twilio's "Too Many Requests" code (comes with HTTP 429). */
export const SMS_TRANSIENT_CODES: ReadonlySet<number> = new Set([20429]);

export function createSmsChannel(settings: SmsSettings): SmsChannel {
  const url = `${trimBase(settings.baseUrl)}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
  const auth = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`;

  return {
    async send(msg: SmsMessage): Promise<SendOutcome> {
      const form = new URLSearchParams({
        To: msg.to,
        From: settings.from,
        Body: msg.body,
        StatusCallback: msg.statusCallback,
      });
      const answer = await post(
        url,
        {
          headers: {
            authorization: auth,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: form.toString(),
        },
        settings.timeoutMs,
      );
      if (!answer.ok) return answer.outcome;
      const body = parseJson(answer.text);
      if (answer.status >= 200 && answer.status < 300) {
        const sid = isRecord(body) ? body.sid : undefined;
        if (typeof sid === 'string' && sid) return { ok: true, providerMessageId: sid };
        return failure(false, `HTTP ${answer.status} without a sid: ${excerpt(answer.text)}`);
      }
      return classifySmsError(answer.status, body, answer.text, parseRetryAfter(answer.headers.get('retry-after')));
    },
  };
}

export function classifySmsError(status: number, body: unknown, rawText = '', retryAfterMs?: number): SendOutcome {
  const byStatus = isTransientHttpStatus(status);
  if (isRecord(body) && typeof body.code === 'number') {
    const { code } = body;
    const transient = SMS_PERMANENT_CODES.has(code) ? false : SMS_TRANSIENT_CODES.has(code) ? true : byStatus;
    return failure(transient, `${code}: ${String(body.message ?? 'error')}`, retryAfterMs);
  }
  return failure(byStatus, `HTTP ${status}${rawText ? `: ${excerpt(rawText)}` : ''}`, retryAfterMs);
}

/** Form fields as Express parses them (extended: false): a repeated field is an array. */
export type FormParams = Record<string, string | string[]>;

/**
 * What Twilio signs after the URL: each field's key+value, keys sorted; a repeated field once per
 * distinct value, its values sorted (as twilio's getExpectedTwilioSignature: a Set, then sort).
 */
export function twilioSignedFields(params: FormParams): string {
  return Object.keys(params)
    .sort()
    .map((k) => {
      const v = params[k]!;
      return (Array.isArray(v) ? [...new Set(v)].sort() : [v]).map((x) => k + x).join('');
    })
    .join('');
}

/**
 * Twilio's request signature, base64(HMAC-SHA1(authToken, url + twilioSignedFields)), checked
 * exactly as twilio's reference validateRequest does: over the URL as received with and without its
 * port, then over its WHATWG-normalised form (with and without port, and with the query re-encoded
 * the legacy querystring way). test/unit/twilio-signature.test.ts holds it to the `twilio` package.
 */
export function verifyTwilioSignature(
  authToken: string,
  fullUrl: string,
  params: FormParams,
  signatureHeader: string | undefined | null,
): boolean {
  if (!authToken || !signatureHeader) return false;
  const given = Buffer.from(signatureHeader, 'utf8');
  const fields = twilioSignedFields(params);
  const matches = (u: string) => {
    const expected = Buffer.from(
      createHmac('sha1', authToken)
        .update(Buffer.from(u + fields, 'utf8'))
        .digest('base64'),
      'utf8',
    );
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  // Most callbacks match the URL as received: the normalised forms are only tried after.
  return urlVariants(fullUrl).some(matches) || normalisedUrlVariants(fullUrl).some(matches);
}

/** The URL as received, without its port and with one (the scheme's default when it names none). */
export function urlVariants(fullUrl: string): string[] {
  return [...new Set([removePort(fullUrl), addPort(fullUrl)])];
}

/** `new URL(url).toString()` with and without port, each also with a legacy-querystring query; none for an unparsable URL. */
function normalisedUrlVariants(fullUrl: string): string[] {
  let normalised: string;
  try {
    normalised = new URL(fullUrl).toString();
  } catch {
    return [];
  }
  const bare = removePort(normalised);
  const withPort = addPort(normalised);
  return [...new Set([bare, withPort, legacyQuery(bare), legacyQuery(withPort)])];
}

/** Scheme, user info, host, port (with its colon) and the rest, split without normalising anything. */
function splitUrl(url: string): { scheme: string; userInfo: string; host: string; port: string; rest: string } | null {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!m) return null;
  const [prefix, scheme, authority] = m as unknown as [string, string, string];
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // In an IPv6 literal the colons before "]" are not the port's.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function addPort(url: string): string {
  const p = splitUrl(url);
  if (!p || p.port) return url;
  return p.scheme + p.userInfo + p.host + (p.scheme.toLowerCase() === 'https://' ? ':443' : ':80') + p.rest;
}

function removePort(url: string): string {
  const p = splitUrl(url);
  return p ? p.scheme + p.userInfo + p.host + p.rest : url;
}

/** The query re-encoded by Node's legacy querystring (parse, stringify), for senders that signed that form. */
function legacyQuery(url: string): string {
  const q = url.indexOf('?');
  if (q === -1 || q === url.length - 1) return url;
  return `${url.slice(0, q)}?${querystring.stringify(querystring.parse(url.slice(q + 1)))}`;
}

/** A patient's SMS to a tenant's number (Twilio's inbound webhook); null without a sid or a usable sender number. */
export function parseSmsInbound(params: FormParams): InboundText | null {
  const one = (k: string) => firstValue(params[k]);
  const sid = one('MessageSid') ?? one('SmsSid');
  const from = toE164(one('From') ?? '');
  if (!sid || !from) return null;
  return { providerMessageId: sid, from, body: one('Body') ?? '' };
}

/** A form field's value; the first of a repeated one. */
export function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A phone number as E.164 with "+" (from "6281234567890" or "+62 812-3456-7890"); null for anything else (a short code, a name). */
export function toE164(raw: string): string | null {
  const digits = raw.trim().replace(/[\s().-]/g, '');
  const m = /^\+?([1-9]\d{5,14})$/.exec(digits);
  return m ? `+${m[1]}` : null;
}

const SMS_STATUS: Record<string, ProviderStatus['status']> = {
  sent: 'SENT',
  delivered: 'DELIVERED',
  read: 'READ',
  undelivered: 'FAILED',
  failed: 'FAILED',
};

/**
 * A status callback's form fields → a normalised status; null for queued/sending/accepted and
 * anything unknown (not yet a state Kabar records). Twilio sends no event time, so `at` is
 * the time of receipt.
 */
export function parseSmsStatus(form: FormParams, now: Date = new Date()): ProviderStatus | null {
  const params = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, firstValue(v) ?? ''])) as Record<
    string,
    string | undefined
  >;
  const sid = params.MessageSid ?? params.SmsSid;
  const raw = (params.MessageStatus ?? params.SmsStatus ?? '').toLowerCase();
  const status = SMS_STATUS[raw];
  if (!sid || !status) return null;
  const result: ProviderStatus = { providerMessageId: sid, status, at: now };
  if (status === 'FAILED') {
    const code = params.ErrorCode;
    result.reason = code ? `${code}${params.ErrorMessage ? `: ${params.ErrorMessage}` : ''}` : raw;
  }
  return result;
}
