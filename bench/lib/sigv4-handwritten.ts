import { createHash, createHmac } from 'node:crypto';

// Kabar's hand-written SigV4 signer as it was until the switch to @smithy/signature-v4 (see
// docs/decisions/0001-sigv4.md), kept only so that bench/sigv4.ts can repeat the comparison.
// Known gaps against the SDK: the query sorted as "key=value" strings rather than by key then
// value, and no path normalisation (neither matters for SES's POST /).

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignedRequest {
  url: URL;
  method: string;
  /** The headers to send and sign (host, x-amz-date and x-amz-content-sha256 are added). */
  headers: Record<string, string>;
  body: string;
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent also leaves !'()* alone). */
export function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

let cachedKey: { id: string; key: Buffer } | undefined;
function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  const id = `${day}/${region}/${service}/${sha256(secret)}`;
  if (cachedKey?.id !== id)
    cachedKey = { id, key: hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request') };
  return cachedKey.key;
}

/** The request's headers with x-amz-date, the session token if any, and the Authorization header. */
export function signSigV4(
  req: SignedRequest,
  creds: AwsCredentials,
  region: string,
  service: string,
  now = new Date(),
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256(req.body);
  const headers: Record<string, string> = {
    ...req.headers,
    host: req.url.host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
  };
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  const signed = Object.keys(headers)
    .map((k) => [k.toLowerCase(), headers[k]!.trim().replace(/\s+/g, ' ')] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const names = signed.map(([k]) => k).join(';');
  const path = req.url.pathname
    .split('/')
    .map((seg) => uriEscape(seg))
    .join('/');
  const query = [...req.url.searchParams]
    .map(([k, v]) => `${uriEscape(k)}=${uriEscape(v)}`)
    .sort()
    .join('&');
  const canonical = [req.method, path, query, ...signed.map(([k, v]) => `${k}:${v}`), '', names, payloadHash].join(
    '\n',
  );
  const scope = `${day}/${region}/${service}/aws4_request`;
  const signature = createHmac('sha256', signingKey(creds.secretAccessKey, day, region, service))
    .update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`, 'utf8')
    .digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names}, Signature=${signature}`;
  return headers;
}
