import express, { type Request, type Response, Router } from 'express';
import type { App } from '../app.types.js';
import { authenticate } from './bearer-auth.js';
import { decodeEnvelope, MAX_EVENT_BYTES } from '../events/envelope.js';
import { withPlatform } from '../db/tenant.js';
import { ErrorCode, KabarError } from '../domain-errors.js';
import { ingestEvent } from '../ingest.js';
import { findTenant } from '../services/tenants.service.js';

/**
 * POST /events: the HTTP ingest for partners that cannot produce to Kafka. Same envelope
 * (plain or CloudEvents JSON), same validation, except that the tenant comes from the token: the
 * envelope may leave `tenantId` out, and naming another tenant is FORBIDDEN unless the caller is
 * a PLATFORM_ADMIN. Answers 202 with the same shape as publishEvent; a body over the limit is a
 * JSON 413 PAYLOAD_TOO_LARGE from the server's error handler (src/http/http-errors.ts).
 */
export function eventsRouter(app: App): Router {
  const router = Router();
  router.post('/', express.raw({ type: () => true, limit: MAX_EVENT_BYTES }), async (req: Request, res: Response) => {
    const fail = (status: number, code: string, message: string) =>
      res.status(status).json({ error: { code, message } });
    const caller = await authenticate(app, req);
    if ('problem' in caller) return res.status(caller.problem.status).json({ error: caller.problem.error });
    const { auth } = caller;
    const platform = auth.roles.includes('PLATFORM_ADMIN');
    if (!platform && !auth.roles.includes('SERVICE') && !auth.roles.includes('TENANT_ADMIN'))
      return fail(403, ErrorCode.FORBIDDEN, 'Publishing events needs the SERVICE, TENANT_ADMIN or PLATFORM_ADMIN role');
    if (!platform && !auth.tenantId) return fail(403, ErrorCode.FORBIDDEN, 'This token belongs to no tenant');
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k.toLowerCase().replace(/-/g, '_'), Array.isArray(v) ? v[0] : v]),
    );
    const decoded = decodeEnvelope(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), headers, null, {
      ownTenant: auth.tenantId ?? null,
    });
    if (!decoded.ok) return fail(400, ErrorCode.BAD_USER_INPUT, decoded.reason);
    const tenantId = decoded.tenantId;
    if (tenantId !== auth.tenantId && !platform)
      return fail(403, ErrorCode.FORBIDDEN, 'The envelope names another tenant than the token');
    try {
      // A tenant token's tenant was checked with the token; a platform admin's choice is checked here.
      if (
        tenantId !== auth.tenantId &&
        !(await withPlatform({ db: app.db, actor: auth.sub }, (s) => findTenant(s, tenantId)))
      ) {
        return fail(404, ErrorCode.NOT_FOUND, `No tenant ${tenantId}`);
      }
      const { duplicate } = await ingestEvent({ db: app.db, actor: auth.sub, tenantId }, app.sink, decoded.event);
      res.status(202).json({ eventId: decoded.event.id, accepted: true, duplicate });
    } catch (err) {
      if (err instanceof KabarError) return fail(400, err.code, err.message);
      app.logger.error({ err }, 'HTTP ingest failed');
      fail(503, ErrorCode.SERVICE_UNAVAILABLE, 'Could not accept the event; try again');
    }
  });
  return router;
}
