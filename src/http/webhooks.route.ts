import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { parseSesNotification, parseSmsStatus, parseWhatsAppWebhook, verifySnsMessage, verifyTwilioSignature, WEBHOOK_SECRET_HEADER } from '../channels/index.js';
import type { App } from '../app.js';
import { eq } from 'drizzle-orm';
import { withPlatform, withTenant } from '../db/tenant.js';
import { deliveries } from '../schema/index.js';
import type { StatusPublisher } from '../services/delivery-status.js';
import { statusPayload } from '../services/deliveries.js';
import { getTenantIfExists } from '../services/tenants.js';
import { applyProviderStatuses, firstSighting, whatsAppWebhookAuthentic } from '../services/webhooks.js';

const REPLAY = Symbol('replay');
import { isId } from '../validation.js';

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
  const answer = (res: Response, applied: number | typeof REPLAY) =>
    res.status(200).json(applied === REPLAY ? { ok: true, applied: 0, replay: true } : { ok: true, applied });
  const replayWindowMs = c.KABAR_WEBHOOK_REPLAY_DAYS * 86_400_000;
  const certHostPattern = new RegExp(c.SNS_CERT_HOST_PATTERN);
  // Unset = any topic. Anyone can have AWS sign messages of a topic of their own, so production names Kabar's.
  const topics = new Set(c.SNS_TOPIC_ARNS.split(',').map((t) => t.trim()).filter(Boolean));
  const trustedTopic = (arn: unknown) => topics.size === 0 || (typeof arn === 'string' && topics.has(arn));

  router.post('/whatsapp/:tenantId', express.json({ limit: '1mb' }), async (req: Request, res: Response) => {
    const tenantId = String(req.params.tenantId);
    if (!isId(tenantId)) return reject(res, 404, 'unknown tenant');
    // Anything else leaves req.body unparsed: there would be no status to read, nor content to fingerprint.
    if (!req.is('application/json')) return reject(res, 415, 'expected application/json');
    const applied = await withTenant(system(tenantId), async (s) => {
      if (!(await getTenantIfExists(s)) || !(await whatsAppWebhookAuthentic(s, app.box, req.get(WEBHOOK_SECRET_HEADER)))) return null;
      if (!(await firstSighting(s, 'whatsapp', JSON.stringify(req.body)))) return REPLAY;
      return applyProviderStatuses(s, parseWhatsAppWebhook(req.body), publish, app.bus);
    });
    if (applied === null) return reject(res, 401, 'invalid webhook secret');
    answer(res, applied);
  });

  router.post('/sms/:tenantId', express.urlencoded({ extended: false, limit: '256kb' }), async (req: Request, res: Response) => {
    const tenantId = String(req.params.tenantId);
    if (!isId(tenantId)) return reject(res, 404, 'unknown tenant');
    const params = Object.fromEntries(Object.entries(req.body ?? {}).map(([k, v]) => [k, String(v)]));
    // Twilio signs the URL it called: Kabar's public URL for this tenant, with the delivery it names.
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const url = `${c.KABAR_PUBLIC_URL}/webhooks/sms/${tenantId}${query}`;
    if (!c.SMS_AUTH_TOKEN || !verifyTwilioSignature(c.SMS_AUTH_TOKEN, url, params, req.get('X-Twilio-Signature') ?? '')) return reject(res, 401, 'invalid signature');
    const status = parseSmsStatus(params);
    if (status && typeof req.query.delivery === 'string') status.deliveryId = req.query.delivery;
    const signed = url + Object.keys(params).sort().map((k) => `${k}${params[k]}`).join('');
    const applied = await withTenant(system(tenantId), async (s) => {
      if (!(await getTenantIfExists(s))) return 0;
      if (!(await firstSighting(s, 'sms', signed))) return REPLAY;
      return status ? applyProviderStatuses(s, [status], publish, app.bus) : 0;
    });
    answer(res, applied);
  });

  // SNS posts JSON with content-type text/plain.
  router.post('/ses', express.text({ type: () => true, limit: '256kb' }), async (req: Request, res: Response) => {
    let envelope: Record<string, unknown>;
    try {
      envelope = JSON.parse(String(req.body));
    } catch {
      return reject(res, 400, 'not JSON');
    }
    const ok = await verifySnsMessage(envelope, { certHostPattern, ...(fetchCert ? { fetchCert } : {}) }).catch(() => false);
    if (!ok) return reject(res, 401, 'invalid SNS signature');
    if (!trustedTopic(envelope.TopicArn)) return reject(res, 403, 'untrusted SNS topic');
    if (envelope.Type === 'SubscriptionConfirmation') {
      // Only ever a GET to AWS: never to a host the message names otherwise (SSRF), never redirected.
      const url = trustedAwsUrl(String(envelope.SubscribeURL ?? ''), certHostPattern);
      if (!url) return reject(res, 400, 'untrusted SubscribeURL');
      const confirmed = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
      return res.status(200).json({ ok: true, confirmed });
    }
    // A signed notification outside the replay window (either way) is refused: its fingerprint may be forgotten.
    const sentAt = Date.parse(String(envelope.Timestamp ?? ''));
    if (!Number.isFinite(sentAt) || Math.abs(Date.now() - sentAt) > replayWindowMs) return reject(res, 400, 'stale or undated SNS message');
    const statuses = parseSesNotification(envelope);
    // SES messages carry Kabar's tags: the tenant comes from the signed message, never from the URL.
    const tenantId = sesTenant(envelope) ?? (statuses[0] ? await tenantOfMessage(app, statuses[0].providerMessageId) : null);
    const applied = tenantId
      ? await withTenant(system(tenantId), async (s) => {
          if (!(await getTenantIfExists(s))) return 0;
          if (!(await firstSighting(s, 'ses', String(envelope.MessageId)))) return REPLAY;
          return applyProviderStatuses(s, statuses, publish, app.bus);
        })
      : 0;
    answer(res, applied);
  });

  // A body that cannot be read (too large, too many fields, not JSON) gets a short JSON answer, never
  // Express's HTML page with a stack trace; anything else is a 500 without details.
  router.use((err: { status?: unknown; type?: unknown }, req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) app.logger.error({ err, path: req.path }, 'webhook failed');
    const message = err?.type === 'entity.too.large' ? 'request body too large'
      : err?.type === 'parameters.too.many' ? 'too many parameters'
      : status < 500 ? 'malformed request body' : 'internal error';
    reject(res, status, message);
  });

  return router;
}

/** An https URL on an AWS SNS host (no credentials that could disguise another host), or null. */
function trustedAwsUrl(value: string, hostPattern: RegExp): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.username && !url.password && !url.port && hostPattern.test(url.hostname) ? url.href : null;
  } catch {
    return null;
  }
}

/** Without Kabar's tags (identity notifications carry none), the message id names the delivery and so its tenant. */
async function tenantOfMessage(app: App, providerMessageId: string): Promise<string | null> {
  const [row] = await withPlatform({ db: app.db, actor: 'webhook' }, (s) =>
    s.tx.select({ tenantId: deliveries.tenantId }).from(deliveries).where(eq(deliveries.providerMessageId, providerMessageId)).limit(1),
  );
  return row?.tenantId ?? null;
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
