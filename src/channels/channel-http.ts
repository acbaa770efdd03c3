import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { causes } from '../domain-errors.js';
import type { SendOutcome } from './channel.types.js';

// Shared plumbing for the HTTP adapters (WhatsApp, SMS, push): one POST with a hard deadline,
// and connection problems turned into transient outcomes instead of exceptions. node:http with
// keep-alive agents rather than fetch: at a few hundred calls a second, fetch's streams and
// bookkeeping cost the dispatcher about twice the CPU of a plain request.

export type HttpAnswer =
  | { ok: true; status: number; headers: { get(name: string): string | null }; text: string }
  | { ok: false; outcome: SendOutcome };

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

export function post(
  url: string,
  init: { headers: Record<string, string>; body: string },
  timeoutMs: number,
): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = (answer: HttpAnswer) => {
      clearTimeout(timer);
      resolve(answer);
    };
    const fail = (err: unknown) => settle({ ok: false, outcome: networkFailure(err, timeoutMs) });
    let target: URL;
    try {
      target = new URL(url);
    } catch (err) {
      return fail(err);
    }
    const tls = target.protocol === 'https:';
    const body = Buffer.from(init.body, 'utf8');
    const req = (tls ? httpsRequest : httpRequest)(
      target,
      {
        method: 'POST',
        agent: tls ? agents.https : agents.http,
        headers: { ...init.headers, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          settle({
            ok: true,
            status: res.statusCode ?? 0,
            headers: headerReader(res.headers),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        // The connection dropped mid-answer: Node reports it as an ECONNRESET error on the response.
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    // The deadline also covers reading the body, so a provider that stalls mid-answer times out too.
    timer = setTimeout(() => {
      fail(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { name: 'TimeoutError' }));
      req.destroy();
    }, timeoutMs);
    req.end(body);
  });
}

function headerReader(headers: IncomingHttpHeaders): { get(name: string): string | null } {
  return {
    get: (name) => {
      const value = headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * Timeouts and connection errors: transient. A timeout or a connection lost mid-request is also
 * ambiguous (the provider may have acted); a refused or unresolvable connection is not.
 */
export function networkFailure(err: unknown, timeoutMs: number): SendOutcome {
  const e = err as { name?: string } | undefined;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return unanswered(`timeout after ${timeoutMs} ms`);
  // node:http puts the system error's code on the error itself, fetch (undici) on its cause.
  const [outer, inner] = causes(err);
  const code = [outer?.code, inner?.code].find((c): c is string => typeof c === 'string');
  const message = [inner?.message, outer?.message].find((m): m is string => typeof m === 'string');
  return unanswered(`network error: ${code ?? message ?? String(err)}`, code);
}

/** Connection errors that mean the request never left: nothing to be unsure about. */
const NEVER_SENT: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
]);

/** No answer from the provider: transient, and ambiguous unless `code` says the request never left. */
export function unanswered(reason: string, code?: string): SendOutcome {
  return code !== undefined && NEVER_SENT.has(code)
    ? { ok: false, transient: true, reason }
    : { ok: false, transient: true, reason, ambiguous: true };
}

export function isTransientHttpStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function failure(transient: boolean, reason: string, retryAfterMs?: number): SendOutcome {
  return retryAfterMs === undefined ? { ok: false, transient, reason } : { ok: false, transient, reason, retryAfterMs };
}

export function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** Short, single-line excerpt of an unexpected body for a failure reason. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
