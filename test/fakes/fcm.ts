import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FaultPlan, hang, sendJson, startFakeServer, type Fault, type FaultControls, withControls } from './server.js';

// A fake FCM HTTP v1: POST /v1/projects/{project}/messages:send with a bearer token.

export interface FcmFakeOptions {
  projectId?: string;
  /** Accepted bearer tokens; unset = any non-empty token. */
  accessTokens?: string[];
  /** Retry-After (seconds) sent with QUOTA_EXCEEDED. */
  retryAfterSeconds?: number;
  hangMs?: number;
}

export interface FcmReceived {
  projectId: string;
  accessToken: string;
  token: string;
  title: string | undefined;
  body: string | undefined;
  data: Record<string, string> | undefined;
  name: string;
  message: Record<string, any>;
}

export interface FcmFake extends FaultControls {
  url: string;
  projectId: string;
  received: FcmReceived[];
  /** Later sends to this device token answer 404 UNREGISTERED, as after an app uninstall. */
  unregister(deviceToken: string): void;
}

const STATUS_OF: Record<string, [number, string]> = {
  UNREGISTERED: [404, 'NOT_FOUND'],
  INVALID_ARGUMENT: [400, 'INVALID_ARGUMENT'],
  SENDER_ID_MISMATCH: [403, 'PERMISSION_DENIED'],
  THIRD_PARTY_AUTH_ERROR: [401, 'UNAUTHENTICATED'],
  QUOTA_EXCEEDED: [429, 'RESOURCE_EXHAUSTED'],
  UNAVAILABLE: [503, 'UNAVAILABLE'],
  INTERNAL: [500, 'INTERNAL'],
};
const MESSAGE_OF: Record<string, string> = {
  UNREGISTERED: 'Requested entity was not found.',
  INVALID_ARGUMENT: 'The registration token is not a valid FCM registration token',
  SENDER_ID_MISMATCH: 'SenderId mismatch',
  THIRD_PARTY_AUTH_ERROR: 'Auth error from APNS or Web Push Service',
  QUOTA_EXCEEDED: 'Quota exceeded for quota metric',
  UNAVAILABLE: 'The service is currently unavailable.',
  INTERNAL: 'Internal error encountered.',
};

function fcmError(
  res: ServerResponse,
  errorCode: string,
  message?: string,
  headers: Record<string, string> = {},
): void {
  const [code, status] = STATUS_OF[errorCode] ?? [400, 'INVALID_ARGUMENT'];
  sendJson(
    res,
    code,
    {
      error: {
        code,
        message: message ?? MESSAGE_OF[errorCode] ?? errorCode,
        status,
        details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }],
      },
    },
    headers,
  );
}

export async function startFcmFake(options: FcmFakeOptions = {}): Promise<FcmFake> {
  const projectId = options.projectId ?? 'kabar-test';
  const plan = new FaultPlan();
  const received: FcmReceived[] = [];
  const dead = new Set<string>();
  const counter = { attempts: 0 };
  const hangMs = options.hangMs ?? 10_000;
  const retryAfter = String(options.retryAfterSeconds ?? 2);

  const injectFault = (res: ServerResponse, fault: Fault): void => {
    switch (fault.kind) {
      case 'timeout':
        return hang(res, hangMs);
      case '429':
        return fcmError(res, String(fault.code ?? 'QUOTA_EXCEEDED'), undefined, { 'retry-after': retryAfter });
      case '5xx':
        return fcmError(res, String(fault.code ?? 'UNAVAILABLE'));
      case 'permanent':
        return fcmError(res, String(fault.code ?? 'UNREGISTERED'));
    }
  };

  const server = await startFakeServer(({ req, res, method, path, body }) => {
    counter.attempts++;
    const m = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path);
    if (!m || method !== 'POST')
      return sendJson(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
    const auth = String(req.headers.authorization ?? '');
    const accessToken = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!accessToken || (options.accessTokens && !options.accessTokens.includes(accessToken))) {
      return sendJson(res, 401, {
        error: {
          code: 401,
          message:
            'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
          status: 'UNAUTHENTICATED',
        },
      });
    }
    if (decodeURIComponent(m[1]!) !== projectId) {
      return sendJson(res, 403, {
        error: {
          code: 403,
          message: `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${m[1]}'`,
          status: 'PERMISSION_DENIED',
        },
      });
    }
    let json: any;
    try {
      json = JSON.parse(body);
    } catch {
      return sendJson(res, 400, {
        error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' },
      });
    }
    const message = json?.message;
    if (typeof message !== 'object' || message === null)
      return fcmError(res, 'INVALID_ARGUMENT', 'Request contains an invalid argument.');
    const targets = ['token', 'topic', 'condition'].filter((k) => message[k] !== undefined);
    if (targets.length !== 1)
      return fcmError(res, 'INVALID_ARGUMENT', 'Exactly one of token, topic or condition must be set.');
    if (typeof message.token !== 'string' || !message.token) return fcmError(res, 'INVALID_ARGUMENT');
    if (message.notification !== undefined) {
      const n = message.notification;
      if (
        typeof n !== 'object' ||
        (n.title !== undefined && typeof n.title !== 'string') ||
        (n.body !== undefined && typeof n.body !== 'string')
      ) {
        return fcmError(res, 'INVALID_ARGUMENT', "Invalid value at 'message.notification'");
      }
    }
    if (message.data !== undefined) {
      const entries = typeof message.data === 'object' && message.data !== null ? Object.entries(message.data) : null;
      const bad = entries ? entries.findIndex(([, v]) => typeof v !== 'string') : 0;
      if (bad !== -1)
        return fcmError(res, 'INVALID_ARGUMENT', `Invalid value at 'message.data[${bad}].value' (TYPE_STRING)`);
    }
    if (dead.has(message.token)) return fcmError(res, 'UNREGISTERED');
    // Faults strike only requests FCM would have taken (it validates first, as the real one does).
    const fault = plan.next();
    if (fault) return injectFault(res, fault);

    const name = `projects/${projectId}/messages/0:${Date.now()}%${randomBytes(8).toString('hex')}`;
    received.push({
      projectId,
      accessToken,
      token: message.token,
      title: message.notification?.title,
      body: message.notification?.body,
      data: message.data,
      name,
      message,
    });
    sendJson(res, 200, { name });
  });

  return withControls<Omit<FcmFake, keyof FaultControls>>(
    {
      url: server.url,
      projectId,
      received,
      unregister: (t) => void dead.add(t),
    },
    plan,
    server,
    counter,
    [received],
    () => dead.clear(),
  );
}
