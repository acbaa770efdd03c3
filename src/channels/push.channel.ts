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
import type { PushChannel, PushMessage, SendOutcome } from './channel.types.js';

// Push through FCM HTTP v1 (PROVIDERS.md "Push: FCM HTTP v1"). No delivery receipts: SENT is final.

export type AccessTokenSource = () => string | Promise<string>;

export interface PushSettings {
  /** e.g. https://fcm.googleapis.com (FCM_API_URL). */
  baseUrl: string;
  projectId: string;
  /** A static bearer token, or a function that returns a current one (e.g. minted from a service account). */
  accessToken?: string | AccessTokenSource;
  /** Same as a function-valued accessToken; either field may be used. */
  getAccessToken?: AccessTokenSource;
  timeoutMs: number;
}

/** FcmError errorCodes: the token or the request is wrong, or the project's auth is broken. */
export const FCM_PERMANENT_CODES: ReadonlySet<string> = new Set([
  'UNREGISTERED',
  'INVALID_ARGUMENT',
  'SENDER_ID_MISMATCH',
  'THIRD_PARTY_AUTH_ERROR',
]);
export const FCM_TRANSIENT_CODES: ReadonlySet<string> = new Set(['QUOTA_EXCEEDED', 'UNAVAILABLE', 'INTERNAL']);

export function createPushChannel(settings: PushSettings): PushChannel {
  const url = `${trimBase(settings.baseUrl)}/v1/projects/${encodeURIComponent(settings.projectId)}/messages:send`;
  const source = settings.getAccessToken ?? settings.accessToken;
  if (source === undefined) throw new Error('createPushChannel: accessToken or getAccessToken is required');

  return {
    async send(msg: PushMessage): Promise<SendOutcome> {
      let token: string;
      try {
        token = typeof source === 'function' ? await source() : source;
      } catch (err) {
        // Token endpoint trouble is usually passing; a bad service account shows up as 401 later.
        return failure(true, `access token: ${(err as Error)?.message ?? String(err)}`);
      }
      if (!token) return failure(false, 'no FCM access token configured');

      const message: Record<string, unknown> = {
        token: msg.deviceToken,
        notification: { title: msg.title, body: msg.body },
      };
      if (msg.data && Object.keys(msg.data).length > 0) message.data = msg.data;
      const answer = await post(
        url,
        {
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ message }),
        },
        settings.timeoutMs,
      );
      if (!answer.ok) return answer.outcome;
      const body = parseJson(answer.text);
      if (answer.status >= 200 && answer.status < 300) {
        const name = isRecord(body) ? body.name : undefined;
        if (typeof name === 'string' && name) return { ok: true, providerMessageId: name };
        return failure(false, `HTTP ${answer.status} without a message name: ${excerpt(answer.text)}`);
      }
      return classifyFcmError(answer.status, body, answer.text, parseRetryAfter(answer.headers.get('retry-after')));
    },
  };
}

/** Branches on details[].errorCode (FcmError), then on the HTTP status. */
export function classifyFcmError(status: number, body: unknown, rawText = '', retryAfterMs?: number): SendOutcome {
  const byStatus = isTransientHttpStatus(status);
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  if (!error) return failure(byStatus, `HTTP ${status}${rawText ? `: ${excerpt(rawText)}` : ''}`, retryAfterMs);
  const details = Array.isArray(error.details) ? error.details : [];
  const fcm =
    details.find(
      (d) => isRecord(d) && typeof d.errorCode === 'string' && String(d['@type'] ?? '').endsWith('FcmError'),
    ) ?? details.find((d) => isRecord(d) && typeof d.errorCode === 'string');
  const errorCode = isRecord(fcm) ? String(fcm.errorCode) : undefined;
  const label = errorCode ?? (typeof error.status === 'string' ? error.status : String(status));
  const transient =
    errorCode && FCM_PERMANENT_CODES.has(errorCode)
      ? false
      : errorCode && FCM_TRANSIENT_CODES.has(errorCode)
        ? true
        : byStatus;
  return failure(transient, `${label}: ${String(error.message ?? 'error')}`, retryAfterMs);
}
