import express, { type NextFunction, type Request, type Response, Router } from 'express';
import {
  parseSesNotification,
  parseSmsInbound,
  parseSmsStatus,
  parseWhatsAppInbound,
  parseWhatsAppTemplateUpdates,
  parseWhatsAppWebhook,
  twilioSignedFields,
  verifySnsMessage,
  verifyTwilioSignature,
  WEBHOOK_SECRET_HEADER,
  type FormParams,
} from '../channels/index.js';
import type { App } from '../app.types.js';
import { withPlatform, withTenant } from '../db/tenant.js';
import type { StatusPublisher } from '../services/delivery-status.service.js';
import { statusPayload } from '../services/deliveries.service.js';
import { receiveInbound, type InboundContext } from '../services/inbound.service.js';
import { applyTemplateUpdates } from '../services/template-verdicts.service.js';
import { getTenantIfExists } from '../services/tenants.service.js';
import {
  applyProviderStatuses,
  firstSighting,
  tenantOfProviderMessage,
  whatsAppWebhookAuthentic,
} from '../services/webhooks.service.js';
import { isId } from '../validation.js';
import { ErrorCode } from '../domain-errors.js';
import { httpErrorOf } from './http-errors.js';

const REPLAY = Symbol('replay');
// Twilio's inbound-message webhook expects TwiML; an empty response sends nothing back itself.
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * Provider status webhooks, each authenticated by the provider's own mechanism (never a JWT):
 * 360dialog by the per-tenant secret header Kabar registered, Twilio by its HMAC signature,
 * SES events by SNS's RSA signature. Anything unauthenticated is rejected and changes nothing.
 */
export function webhooksRouter(app: App, fetchCert?: (url: string) => Promise<string>): Router {
  const router = Router();
  const publish: StatusPublisher = (row) => app.bus.publish('delivery.status', statusPayload(row));
  const c = app.config;
  const system = (tenantId: string) => ({ db: app.db, actor: 'webhook', tenantId });
  const reject = (res: Response, status: number, message: string) => res.status(status).json({ error: message });
  // A call seen before is answered 200 (a provider's retry must stop) and changes nothing.
  const answer = (res: Response, applied: number | typeof REPLAY, received = 0) =>
    res
      .status(200)
      .json(
        applied === REPLAY
          ? { ok: true, applied: 0, replay: true }
          : { ok: true, applied, ...(received ? { received } : {}) },
      );
  const inbound: InboundContext = { box: app.box, publishStatus: publish, now: () => new Date() };
  // Twilio signs the URL it called: Kabar's public URL for this tenant, with the query it names.
  const twilioUrl = (req: Request, path: string) => {
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    return `${c.KABAR_PUBLIC_URL}/webhooks/${path}${query}`;
  };
  const twilioSigned = (req: Request, url: string, params: FormParams) =>
    Boolean(c.SMS_AUTH_TOKEN) &&
    verifyTwilioSignature(c.SMS_AUTH_TOKEN, url, params, req.get('X-Twilio-Signature') ?? '');
  const replayWindowMs = c.KABAR_WEBHOOK_REPLAY_DAYS * 86_400_000;
  const certHostPattern = new RegExp(c.SNS_CERT_HOST_PATTERN);
  // Unset = any topic. Anyone can have AWS sign messages of a topic of their own, so production names Kabar's.
  const topics = new Set(
    c.SNS_TOPIC_ARNS.split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  );
  const trustedTopic = (arn: unknown) => topics.size === 0 || (typeof arn === 'string' && topics.has(arn));

  router.post('/whatsapp/:tenantId', express.json({ limit: '1mb' }), async (req: Request, res: Response) => {
    const tenantId = String(req.params.tenantId);
    if (!isId(tenantId)) return reject(res, 404, 'unknown tenant');
    // Anything else leaves req.body unparsed: there would be no status to read, nor content to fingerprint.
    if (!req.is('application/json')) return reject(res, 415, 'expected application/json');
    const outcome = await withTenant(system(tenantId), async (s) => {
      const tenant = await getTenantIfExists(s);
      if (!tenant || !(await whatsAppWebhookAuthentic(s, app.box, req.get(WEBHOOK_SECRET_HEADER)))) return null;
      if (!(await firstSighting(s, 'whatsapp', JSON.stringify(req.body)))) return REPLAY;
      const applied = await applyProviderStatuses(s, parseWhatsAppWebhook(req.body), publish, app.bus);
      // Meta's verdicts on the account's templates come on the same webhook; administrators are told after commit.
      const templates = await applyTemplateUpdates(s, parseWhatsAppTemplateUpdates(req.body), {
        tenantName: tenant.name,
        emit: (id, e) => app.emitInternal(id, e),
        source: 'webhook',
      });
      // Patients' own messages come on the same webhook (value.messages rather than value.statuses).
      const messages = parseWhatsAppInbound(req.body);
      const got = messages.length ? await receiveInbound(s, inbound, tenant, 'WHATSAPP', messages) : null;
      // Counts only: a patient's words and number stay out of the logs.
      if (got) app.logger.debug({ tenantId, channel: 'WHATSAPP', ...got }, 'inbound messages');
      if (templates) app.logger.info({ tenantId, templates }, 'WhatsApp template verdicts recorded');
      return { applied, received: got?.recorded ?? 0 };
    });
    if (outcome === null) return reject(res, 401, 'invalid webhook secret');
    if (outcome === REPLAY) return answer(res, REPLAY);
    answer(res, outcome.applied, outcome.received);
  });

  router.post(
    '/sms/:tenantId',
    express.urlencoded({ extended: false, limit: '256kb' }),
    async (req: Request, res: Response) => {
      const tenantId = String(req.params.tenantId);
      if (!isId(tenantId)) return reject(res, 404, 'unknown tenant');
      const params = formOf(req.body);
      // The status callback URL names the delivery (?delivery=), so it is signed too.
      const url = twilioUrl(req, `sms/${tenantId}`);
      if (!twilioSigned(req, url, params)) return reject(res, 401, 'invalid signature');
      const status = parseSmsStatus(params);
      if (status && typeof req.query.delivery === 'string') status.deliveryId = req.query.delivery;
      const signed = url + twilioSignedFields(params);
      const applied = await withTenant(system(tenantId), async (s) => {
        if (!(await getTenantIfExists(s))) return 0;
        if (!(await firstSighting(s, 'sms', signed))) return REPLAY;
        return status ? applyProviderStatuses(s, [status], publish, app.bus) : 0;
      });
      answer(res, applied);
    },
  );

  // A patient's SMS to the tenant's number, signed like the status callback. Always answered with
  // empty TwiML once authentic: any text is acknowledged, a keyword's confirmation goes as a delivery.
  router.post(
    '/sms/:tenantId/inbound',
    express.urlencoded({ extended: false, limit: '256kb' }),
    async (req: Request, res: Response) => {
      const tenantId = String(req.params.tenantId);
      if (!isId(tenantId)) return reject(res, 404, 'unknown tenant');
      const params = formOf(req.body);
      const url = twilioUrl(req, `sms/${tenantId}/inbound`);
      if (!twilioSigned(req, url, params)) return reject(res, 401, 'invalid signature');
      const message = parseSmsInbound(params);
      await withTenant(system(tenantId), async (s) => {
        const tenant = await getTenantIfExists(s);
        if (!tenant || !(await firstSighting(s, 'sms-inbound', url + twilioSignedFields(params)))) return;
        if (message)
          app.logger.debug(
            { tenantId, channel: 'SMS', ...(await receiveInbound(s, inbound, tenant, 'SMS', [message])) },
            'inbound messages',
          );
      });
      res.status(200).type('text/xml').send(EMPTY_TWIML);
    },
  );

  // SNS posts JSON with content-type text/plain.
  router.post('/ses', express.text({ type: () => true, limit: '256kb' }), async (req: Request, res: Response) => {
    let envelope: Record<string, unknown>;
    try {
      envelope = JSON.parse(String(req.body));
    } catch {
      return reject(res, 400, 'not JSON');
    }
    const ok = await verifySnsMessage(envelope, { certHostPattern, ...(fetchCert ? { fetchCert } : {}) }).catch(
      () => false,
    );
    if (!ok) return reject(res, 401, 'invalid SNS signature');
    if (!trustedTopic(envelope.TopicArn)) return reject(res, 403, 'untrusted SNS topic');
    if (envelope.Type === 'SubscriptionConfirmation') {
      // Only ever a GET to AWS: never to a host the message names otherwise (SSRF), never redirected.
      const url = trustedAwsUrl(String(envelope.SubscribeURL ?? ''), certHostPattern);
      if (!url) return reject(res, 400, 'untrusted SubscribeURL');
      const confirmed = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5000) }).then(
        (r) => r.ok,
        () => false,
      );
      return res.status(200).json({ ok: true, confirmed });
    }
    // A signed notification outside the replay window (either way) is refused: its fingerprint may be forgotten.
    const sentAt = Date.parse(String(envelope.Timestamp ?? ''));
    if (!Number.isFinite(sentAt) || Math.abs(Date.now() - sentAt) > replayWindowMs)
      return reject(res, 400, 'stale or undated SNS message');
    const statuses = parseSesNotification(envelope);
    // SES messages carry Kabar's tags: the tenant comes from the signed message, never from the URL.
    const tenantId =
      sesTenant(envelope) ?? (statuses[0] ? await tenantOfMessage(app, statuses[0].providerMessageId) : null);
    const applied = tenantId
      ? await withTenant(system(tenantId), async (s) => {
          if (!(await getTenantIfExists(s))) return 0;
          if (!(await firstSighting(s, 'ses', String(envelope.MessageId)))) return REPLAY;
          return applyProviderStatuses(s, statuses, publish, app.bus);
        })
      : 0;
    answer(res, applied);
  });

  // A body that cannot be read (too large, too many fields, not JSON) gets a short JSON answer with a
  // stable code (src/http/http-errors.ts), never Express's HTML page; `error` stays the webhook answers' string.
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, error } = httpErrorOf(err);
    if (status === 500) app.logger.error({ err, path: req.path }, 'webhook failed');
    const message =
      status === 500
        ? 'internal error'
        : error.code !== ErrorCode.PAYLOAD_TOO_LARGE
          ? 'malformed request body'
          : error.message === 'too many parameters'
            ? error.message
            : 'request body too large';
    res
      .status(status)
      .json({ error: message, code: error.code, ...(error.limit !== undefined ? { limit: error.limit } : {}) });
  });

  return router;
}

/** Form fields as parsed (extended: false): strings, or arrays of strings for a repeated field. */
function formOf(body: unknown): FormParams {
  const entries = Object.entries(body && typeof body === 'object' ? body : {});
  return Object.fromEntries(entries.map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
}

/** An https URL on an AWS SNS host (no credentials that could disguise another host), or null. */
function trustedAwsUrl(value: string, hostPattern: RegExp): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.username && !url.password && !url.port && hostPattern.test(url.hostname)
      ? url.href
      : null;
  } catch {
    return null;
  }
}

/** Without Kabar's tags (identity notifications carry none), the message id names the delivery and so its tenant. */
function tenantOfMessage(app: App, providerMessageId: string): Promise<string | null> {
  return withPlatform({ db: app.db, actor: 'webhook' }, (s) => tenantOfProviderMessage(s, providerMessageId));
}

function sesTenant(envelope: Record<string, unknown>): string | null {
  try {
    const message = JSON.parse(String(envelope.Message)) as { mail?: { tags?: Record<string, string[]> } };
    const tenant = message.mail?.tags?.tenant?.[0];
    return tenant && isId(tenant) ? tenant : null;
  } catch {
    return null;
  }
}
