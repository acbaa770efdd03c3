import type { SendOutcome } from './types.js';

// Shared plumbing for the fetch-based adapters: one POST with a hard deadline, and
// connection problems turned into transient outcomes instead of exceptions.

export type HttpAnswer =
  | { ok: true; status: number; headers: Headers; text: string }
  | { ok: false; outcome: SendOutcome };

export async function post(
  url: string,
  init: { headers: Record<string, string>; body: string },
  timeoutMs: number,
): Promise<HttpAnswer> {
  try {
    // The signal also covers reading the body, so a provider that stalls mid-answer times out too.
    const res = await fetch(url, { method: 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    return { ok: true, status: res.status, headers: res.headers, text };
  } catch (err) {
    return { ok: false, outcome: networkFailure(err, timeoutMs) };
  }
}

/**
 * Timeouts and connection errors: transient. A timeout or a connection lost mid-request is also
 * ambiguous (the provider may have acted); a refused or unresolvable connection is not.
 */
export function networkFailure(err: unknown, timeoutMs: number): SendOutcome {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return unanswered(`timeout after ${timeoutMs} ms`);
  const code = e?.cause?.code;
  return unanswered(`network error: ${code ?? e?.cause?.message ?? e?.message ?? String(err)}`, code);
}

/** Connection errors that mean the request never left: nothing to be unsure about. */
const NEVER_SENT: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** No answer from the provider: transient, and ambiguous unless `code` says the request never left. */
export function unanswered(reason: string, code?: string): SendOutcome {
  return code !== undefined && NEVER_SENT.has(code) ? { ok: false, transient: true, reason } : { ok: false, transient: true, reason, ambiguous: true };
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
