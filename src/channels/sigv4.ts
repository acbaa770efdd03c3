import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

// AWS Signature Version 4 for one request, by @smithy/signature-v4: the signer the AWS SDK itself
// uses (its canonical path, query and header rules, the payload hash sent and signed), applied to
// the request Kabar posts on its own keep-alive client (channels/http.ts) instead of going through
// the SDK's middleware stack. The SDK's signing-key cache keeps the derived key for the day.
// Why this and not a hand-written signer: docs/decisions/0001-sigv4.md.

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

type Source = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Source) =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** The SDK's Checksum constructor on node:crypto: SHA-256, or HMAC-SHA256 when given a key. */
export class Sha256 {
  private h: Hash | Hmac;
  constructor(private readonly secret?: Source) {
    this.h = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: Source) {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset() {
    this.h = this.fresh();
  }
}

/** RFC 3986 encoding, as SigV4 and the SES query API want it (encodeURIComponent also leaves !'()* alone). */
export function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The request's headers with x-amz-date, x-amz-content-sha256, the session token if any, and the Authorization header. */
export async function signSigV4(
  req: SignedRequest,
  creds: AwsCredentials,
  region: string,
  service: string,
  now = new Date(),
): Promise<Record<string, string>> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.url.searchParams) {
    const seen = query[k];
    query[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
  }
  const signer = new SignatureV4({ credentials: creds, region, service, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: req.url.protocol,
      hostname: req.url.hostname,
      ...(req.url.port ? { port: Number(req.url.port) } : {}),
      path: req.url.pathname,
      query,
      headers: { ...req.headers, host: req.url.host },
      body: req.body,
    },
    { signingDate: now },
  );
  return signed.headers as Record<string, string>;
}
