import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// AWS's side of Signature Version 4, recomputed in the fake from the request as it arrived, with
// node:crypto only (not the @smithy/signature-v4 signer Kabar uses, so a shared bug cannot hide):
// the canonical request is rebuilt with the endpoint's OWN host and the hash of the body actually
// received, so a signature over another host, port or body does not match.

export interface AwsKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export type SigV4Verdict =
  | { ok: true; accessKeyId: string; region: string; service: string }
  | { ok: false; code: string; message: string };

/** What AWS answers when its recomputed signature differs (SES v1 wording). */
export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const INVALID_KEY = 'The security token included in the request is invalid.';

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const MAX_SKEW_MS = 5 * 60_000;

function canonicalQuery(query: URLSearchParams): string {
  const pairs = [...query].map(([k, v]) => [rfc3986(k), rfc3986(v)] as const);
  pairs.sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/**
 * Verifies a request signed for `ownHost` (host:port of this endpoint) with one of `keys`.
 * `region`: the region the credential scope must name (unset: any).
 */
export function verifySigV4(
  req: IncomingMessage,
  body: string,
  ownHost: string,
  keys: readonly AwsKey[],
  region?: string,
  now = Date.now(),
): SigV4Verdict {
  const auth = String(req.headers.authorization ?? '');
  if (!auth)
    return { ok: false, code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' };
  const m = AUTH.exec(auth);
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!m || !/^\d{8}T\d{6}Z$/.test(amzDate))
    return {
      ok: false,
      code: 'IncompleteSignature',
      message: 'Request must contain a signature that conforms to AWS standards',
    };
  const [, accessKeyId, day, scopeRegion, service, signedHeaders, signature] = m as unknown as string[];
  const key = keys.find((k) => k.accessKeyId === accessKeyId);
  if (!key) return { ok: false, code: 'InvalidClientTokenId', message: INVALID_KEY };
  if (service !== 'ses' && service !== 'email')
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: "Credential should be scoped to correct service: 'ses'.",
    };
  if (region && scopeRegion !== region)
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: `Credential should be scoped to a valid region, not '${scopeRegion}'.`,
    };
  const names = signedHeaders!.split(';');
  if (!names.includes('host'))
    return {
      ok: false,
      code: 'IncompleteSignature',
      message: "'Host' must be a 'SignedHeader' in the AWS Authorization.",
    };
  const at = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (day !== amzDate.slice(0, 8) || Math.abs(now - at) > MAX_SKEW_MS) {
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: `Signature expired: ${amzDate} is now earlier or later than the allowed window.`,
    };
  }
  // A client that names another host in its Host header reaches another endpoint: this one verifies with its own.
  const header = (name: string) =>
    name === 'host' ? ownHost : [req.headers[name] ?? ''].flat().join(',').trim().replace(/\s+/g, ' ');
  const url = new URL(req.url ?? '/', 'http://fake');
  const path = url.pathname
    .split('/')
    .map((seg) => rfc3986(decodeURIComponent(seg)))
    .join('/');
  const canonical = [
    req.method ?? 'POST',
    path,
    canonicalQuery(url.searchParams),
    ...names.map((n) => `${n}:${header(n)}`),
    '',
    signedHeaders,
    sha256(body),
  ].join('\n');
  const scope = `${day}/${scopeRegion}/${service}/aws4_request`;
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, day!), scopeRegion!), service!), 'aws4_request');
  const expected = hmac(signingKey, `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`);
  const sent = req.headers['x-amz-content-sha256'];
  const bodyHashOk = sent === undefined || sent === sha256(body);
  if (!bodyHashOk || !timingSafeEqual(expected, Buffer.from(signature!, 'hex')))
    return { ok: false, code: 'SignatureDoesNotMatch', message: SIGNATURE_MISMATCH };
  return { ok: true, accessKeyId: accessKeyId!, region: scopeRegion!, service: service! };
}
