import { verify, X509Certificate, type KeyObject } from 'node:crypto';
import { isRecord } from './channel-http.js';
import type { ProviderStatus } from './channel.types.js';

// SES delivery events arrive through SNS HTTP(S) subscriptions. Authenticity rests on SNS's
// RSA signature over a canonical string, with a certificate fetched from an AWS host.

export interface SnsVerifyOptions {
  /** Allowed SigningCertURL hosts, e.g. /^sns\.[a-z0-9-]+\.amazonaws\.com$/ (SNS_CERT_HOST_PATTERN). */
  certHostPattern: RegExp;
  /** Returns the body at the URL (it must be exactly one PEM certificate); defaults to an HTTPS GET. */
  fetchCert?: (url: string) => Promise<string>;
}

const NOTIFICATION_FIELDS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const;
const CONFIRMATION_FIELDS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const;
const ALGORITHMS: Record<string, string> = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' };
const MAX_CACHED_CERTS = 50;

/** The string SNS signs: "Key\nValue\n" per field, in AWS's documented order. Null if a field is missing. */
export function snsCanonicalString(envelope: Record<string, unknown>): string | null {
  const type = envelope.Type;
  const fields =
    type === 'Notification'
      ? NOTIFICATION_FIELDS
      : type === 'SubscriptionConfirmation' || type === 'UnsubscribeConfirmation'
        ? CONFIRMATION_FIELDS
        : null;
  if (!fields) return null;
  let out = '';
  for (const key of fields) {
    const value = envelope[key];
    if (value === undefined || value === null) {
      if (key === 'Subject') continue; // only Subject is optional
      return null;
    }
    if (typeof value !== 'string') return null;
    out += `${key}\n${value}\n`;
  }
  return out;
}

// Per fetcher, so tests with their own keys never see another test's certificate.
const caches = new WeakMap<(url: string) => Promise<string>, Map<string, Promise<KeyObject>>>();

export async function verifySnsMessage(envelope: unknown, options: SnsVerifyOptions): Promise<boolean> {
  if (!isRecord(envelope)) return false;
  const algorithm = ALGORITHMS[String(envelope.SignatureVersion ?? '')];
  const canonical = snsCanonicalString(envelope);
  const { Signature: signature, SigningCertURL: certUrl } = envelope;
  if (!algorithm || canonical === null || typeof signature !== 'string' || typeof certUrl !== 'string') return false;
  if (!trustedCertUrl(certUrl, options.certHostPattern)) return false;

  const fetchCert = options.fetchCert ?? defaultFetchCert;
  let key: KeyObject;
  try {
    key = await cachedKey(fetchCert, certUrl);
  } catch {
    return false;
  }
  try {
    return verify(algorithm, Buffer.from(canonical, 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

// As AWS's SDKs pin it: https, a bare host (no user, no port), the path /SimpleNotificationService-<hex>.pem
// and nothing after it (no query, no fragment). Checked on the string as received, before any parser
// normalises it (a "\\", "%2e" or "@" must not turn a hostile URL into a trusted-looking one).
const CERT_URL = /^https:\/\/([A-Za-z0-9.-]+)\/SimpleNotificationService-[0-9a-fA-F]+\.pem$/;

/** Whether SNS's SigningCertURL may be fetched: the shape above, on a host SNS_CERT_HOST_PATTERN allows. */
export function trustedCertUrl(certUrl: string, hostPattern: RegExp): boolean {
  const m = CERT_URL.exec(certUrl);
  return m !== null && hostPattern.test(m[1]!.toLowerCase());
}

// One certificate, and nothing else: no second certificate, no key, no text around it.
const ONE_PEM_CERTIFICATE =
  /^\s*-----BEGIN CERTIFICATE-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END CERTIFICATE-----\s*$/;

/** The public key of a fetched body that is exactly one PEM certificate; throws otherwise. */
export function certificateKey(body: string): KeyObject {
  if (!ONE_PEM_CERTIFICATE.test(body))
    throw new Error('the signing certificate URL did not return exactly one PEM certificate');
  return new X509Certificate(body).publicKey;
}

function cachedKey(fetchCert: (url: string) => Promise<string>, url: string): Promise<KeyObject> {
  let cache = caches.get(fetchCert);
  if (!cache) caches.set(fetchCert, (cache = new Map()));
  let key = cache.get(url);
  if (!key) {
    if (cache.size >= MAX_CACHED_CERTS) cache.delete(cache.keys().next().value as string);
    key = fetchCert(url).then(certificateKey);
    cache.set(url, key);
    key.catch(() => cache.delete(url)); // a failed fetch must not be cached
  }
  return key;
}

async function defaultFetchCert(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
  if (!res.ok) throw new Error(`certificate fetch ${url}: HTTP ${res.status}`);
  return res.text();
}

/**
 * SES event (inside an SNS Notification) → statuses, joined on mail.messageId.
 * Send (event publishing) → SENT; Delivery → DELIVERED; permanent Bounce → FAILED; Reject → FAILED.
 * Transient/undetermined bounces are not final (SES keeps retrying) and complaints come
 * after delivery, so both yield nothing.
 */
export function parseSesNotification(envelope: unknown): ProviderStatus[] {
  if (!isRecord(envelope) || envelope.Type !== 'Notification') return [];
  let message: unknown = envelope.Message;
  if (typeof message === 'string') {
    try {
      message = JSON.parse(message);
    } catch {
      return [];
    }
  }
  if (!isRecord(message) || !isRecord(message.mail) || typeof message.mail.messageId !== 'string') return [];
  const providerMessageId = message.mail.messageId;
  const kind = message.notificationType ?? message.eventType;
  const fallbackAt = dateOf(envelope.Timestamp) ?? dateOf(message.mail.timestamp) ?? new Date();
  const tags = isRecord(message.mail.tags) ? message.mail.tags : {};
  const tagged =
    Array.isArray(tags.delivery) && typeof tags.delivery[0] === 'string' ? { deliveryId: tags.delivery[0] } : {};
  const one = (s: ProviderStatus): ProviderStatus[] => [{ ...s, ...tagged }];

  // Event publishing's "Send": SES accepted the message (the receipt that settles a cut-off send).
  if (kind === 'Send')
    return one({ providerMessageId, status: 'SENT', at: dateOf(message.mail.timestamp) ?? fallbackAt });

  if (kind === 'Delivery') {
    const delivery = isRecord(message.delivery) ? message.delivery : {};
    return one({ providerMessageId, status: 'DELIVERED', at: dateOf(delivery.timestamp) ?? fallbackAt });
  }
  if (kind === 'Bounce' && isRecord(message.bounce) && message.bounce.bounceType === 'Permanent') {
    const { bounce } = message;
    const first =
      Array.isArray(bounce.bouncedRecipients) && isRecord(bounce.bouncedRecipients[0])
        ? bounce.bouncedRecipients[0]
        : undefined;
    const diagnostic = first && typeof first.diagnosticCode === 'string' ? `: ${first.diagnosticCode}` : '';
    const reason = `Bounce Permanent/${String(bounce.bounceSubType ?? 'General')}${diagnostic}`;
    return one({ providerMessageId, status: 'FAILED', at: dateOf(bounce.timestamp) ?? fallbackAt, reason });
  }
  if (kind === 'Reject') {
    const reject = isRecord(message.reject) ? message.reject : {};
    return one({
      providerMessageId,
      status: 'FAILED',
      at: fallbackAt,
      reason: `Reject: ${String(reject.reason ?? 'rejected')}`,
    });
  }
  return [];
}

function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
