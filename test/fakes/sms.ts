import { createHmac, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FaultPlan, hang, sendJson, startFakeServer, type Fault, type FaultControls, withControls } from './server.js';

// A fake Twilio Messages API: POST /2010-04-01/Accounts/{sid}/Messages.json, form-encoded, Basic auth.

export interface SmsFakeOptions {
  accountSid?: string;
  authToken?: string;
  hangMs?: number;
}

export interface SmsReceived {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | undefined;
  form: Record<string, string>;
}

export interface SmsFake extends FaultControls {
  url: string;
  accountSid: string;
  authToken: string;
  received: SmsReceived[];
  /** Posts a signed status callback for an accepted message to the StatusCallback it named (or `url`). */
  sendStatus(sid: string, status: string, extra?: { errorCode?: string; url?: string }): Promise<Response>;
  /** Called for each accepted message after its answer (receipts: test/fakes/receipts.ts). */
  onAccepted?: (message: SmsReceived) => void;
  /** Posts a patient's SMS to Kabar's inbound URL as Twilio does: signed, form-encoded, a fresh MessageSid unless given. */
  sendInbound(
    url: string,
    from: string,
    body: string,
    extra?: { sid?: string; to?: string },
  ): Promise<{ sid: string; res: Response }>;
}

const MESSAGES: Record<number, [number, string]> = {
  20003: [401, 'Authenticate'],
  20429: [429, 'Too Many Requests'],
  20500: [500, 'Internal Server Error'],
  21211: [400, "The 'To' number is not a valid phone number."],
  21610: [400, 'Attempt to send to unsubscribed recipient'],
  21602: [400, 'Message body is required.'],
  21603: [400, "A 'From' phone number is required."],
  21604: [400, "A 'To' phone number is required."],
  21609: [400, 'Invalid StatusCallback url'],
};

function twilioError(res: ServerResponse, code: number, message?: string, httpStatus?: number): void {
  const [status, text] = MESSAGES[code] ?? [400, 'Error'];
  const s = httpStatus ?? status;
  sendJson(res, s, {
    code,
    message: message ?? text,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status: s,
  });
}

export async function startSmsFake(options: SmsFakeOptions = {}): Promise<SmsFake> {
  const accountSid = options.accountSid ?? `AC${randomBytes(16).toString('hex')}`;
  const authToken = options.authToken ?? randomBytes(16).toString('hex');
  const plan = new FaultPlan();
  const received: SmsReceived[] = [];
  const counter = { attempts: 0 };
  const hangMs = options.hangMs ?? 10_000;
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

  const injectFault = (res: ServerResponse, fault: Fault): void => {
    switch (fault.kind) {
      case 'timeout':
        return hang(res, hangMs);
      case '429':
        return twilioError(res, Number(fault.code ?? 20429));
      case '5xx': {
        const status = Number(fault.code ?? 503);
        return twilioError(res, 20500, status === 503 ? 'Service Unavailable' : undefined, status);
      }
      case 'permanent':
        return twilioError(res, Number(fault.code ?? 21211));
    }
  };

  const server = await startFakeServer(({ req, res, method, path, body }) => {
    counter.attempts++;
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (!m || method !== 'POST')
      return sendJson(res, 404, {
        code: 20404,
        message: 'The requested resource was not found',
        more_info: 'https://www.twilio.com/docs/errors/20404',
        status: 404,
      });
    if (req.headers.authorization !== expectedAuth || decodeURIComponent(m[1]!) !== accountSid)
      return twilioError(res, 20003);
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return twilioError(res, 21604);
    const form = Object.fromEntries(new URLSearchParams(body));

    if (!form.To) return twilioError(res, 21604);
    if (!form.From) return twilioError(res, 21603);
    if (!form.Body) return twilioError(res, 21602);
    if (!/^\+[1-9]\d{6,14}$/.test(form.To))
      return twilioError(res, 21211, `The 'To' number ${form.To} is not a valid phone number.`);
    if (form.StatusCallback !== undefined) {
      try {
        if (!/^https?:$/.test(new URL(form.StatusCallback).protocol)) throw new Error('scheme');
      } catch {
        return twilioError(res, 21609);
      }
    }
    // Faults strike only requests Twilio would have taken; a late one is taken, and answered after the hang.
    const fault = plan.next();
    if (fault && fault.kind !== 'late') return injectFault(res, fault);
    const sid = `SM${randomBytes(16).toString('hex')}`;
    received.push({
      sid,
      accountSid,
      to: form.To,
      from: form.From,
      body: form.Body,
      statusCallback: form.StatusCallback,
      form,
    });
    const now = new Date().toUTCString();
    const answer = () =>
      sendJson(res, 201, {
        sid,
        account_sid: accountSid,
        to: form.To,
        from: form.From,
        body: form.Body,
        status: 'queued',
        num_segments: '1',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        price: null,
        price_unit: 'USD',
        error_code: null,
        error_message: null,
        date_created: now,
        date_updated: now,
        date_sent: null,
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      });
    if (fault?.kind === 'late') setTimeout(() => !res.writableEnded && !res.destroyed && answer(), hangMs).unref();
    else answer();
    fake.onAccepted?.(received.at(-1)!);
  });

  const fake: SmsFake = withControls<Omit<SmsFake, keyof FaultControls>>(
    {
      url: server.url,
      accountSid,
      authToken,
      received,
      async sendStatus(sid, status, extra = {}) {
        const msg = received.find((r) => r.sid === sid);
        const url = extra.url ?? msg?.statusCallback;
        if (!url) throw new Error(`no status callback URL for ${sid}`);
        const params: Record<string, string> = {
          AccountSid: accountSid,
          ApiVersion: '2010-04-01',
          From: msg?.from ?? '+15005550006',
          To: msg?.to ?? '+6281234567890',
          MessageSid: sid,
          SmsSid: sid,
          MessageStatus: status,
          SmsStatus: status,
        };
        if (extra.errorCode) params.ErrorCode = extra.errorCode;
        return sendTwilioCallback(url, params, authToken);
      },
      async sendInbound(url, from, body, extra = {}) {
        const sid = extra.sid ?? `SM${randomBytes(16).toString('hex')}`;
        const params = twilioInboundParams(accountSid, sid, from, extra.to ?? '+15005550006', body);
        return { sid, res: await sendTwilioCallback(url, params, authToken) };
      },
    },
    plan,
    server,
    counter,
    [received],
  );
  return fake;
}

/** The fields of Twilio's inbound-message webhook (the ones an SMS without media carries). */
export function twilioInboundParams(
  accountSid: string,
  sid: string,
  from: string,
  to: string,
  body: string,
): Record<string, string> {
  return {
    ToCountry: 'ID',
    ToState: '',
    SmsMessageSid: sid,
    NumMedia: '0',
    ToCity: '',
    FromZip: '',
    SmsSid: sid,
    FromState: '',
    SmsStatus: 'received',
    FromCity: '',
    Body: body,
    FromCountry: 'ID',
    To: to,
    MessagingServiceSid: '',
    ToZip: '',
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: accountSid,
    From: from,
    ApiVersion: '2010-04-01',
  };
}

/** Twilio's signature, computed independently of Kabar's verifier. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  let data = url;
  for (const key of Object.keys(params).sort()) data += key + params[key];
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** A status callback as Twilio posts it: form-encoded, X-Twilio-Signature over the exact URL. */
export async function sendTwilioCallback(
  url: string,
  params: Record<string, string>,
  authToken: string,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'x-twilio-signature': twilioSignature(authToken, url, params),
      'user-agent': 'TwilioProxy/1.1',
    },
    body: new URLSearchParams(params).toString(),
  });
}
