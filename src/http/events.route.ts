import express, { type Request, type Response, Router } from 'express';
import type { App } from '../app.js';
import { bearer } from '../auth/jwt.js';
import { decodeEnvelope } from '../consumers/envelope.js';
import { ErrorCode, KabarError } from '../errors.js';
import { ingestEvent } from '../ingest.js';

/**
 * POST /events: the HTTP ingest for partners that cannot produce to Kafka. Same envelope
 * (plain or CloudEvents JSON), same validation; the tenant comes from the token and must
 * match the envelope's. Answers 202 with the same shape as publishEvent.
 */
export function eventsRouter(app: App): Router {
  const router = Router();
  router.post('/', express.raw({ type: () => true, limit: '1mb' }), async (req: Request, res: Response) => {
    const fail = (status: number, code: string, message: string) => res.status(status).json({ error: { code, message } });
    const token = bearer(req.get('authorization'));
    if (!token) return fail(401, ErrorCode.UNAUTHENTICATED, 'A valid bearer token is required');
    let auth;
    try {
      auth = await app.verify(token);
    } catch (err) {
      return fail(401, ErrorCode.UNAUTHENTICATED, (err as Error).message);
    }
    if (!auth.roles.includes('SERVICE') && !auth.roles.includes('TENANT_ADMIN')) return fail(403, ErrorCode.FORBIDDEN, 'Publishing events needs the SERVICE or TENANT_ADMIN role');
    if (!auth.tenantId) return fail(403, ErrorCode.FORBIDDEN, 'This token belongs to no tenant');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase().replace(/-/g, '_'), Array.isArray(v) ? v[0] : v]));
    const decoded = decodeEnvelope(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), headers, auth.tenantId);
    if (!decoded.ok) {
      const forbidden = decoded.reason.startsWith('KEY_MISMATCH');
      return fail(forbidden ? 403 : 400, forbidden ? ErrorCode.FORBIDDEN : ErrorCode.BAD_USER_INPUT, forbidden ? 'The envelope names another tenant than the token' : decoded.reason);
    }
    try {
      const { duplicate } = await ingestEvent({ db: app.db, actor: auth.sub, tenantId: auth.tenantId }, app.sink, decoded.event);
      res.status(202).json({ eventId: decoded.event.id, accepted: true, duplicate });
    } catch (err) {
      if (err instanceof KabarError) return fail(400, err.code, err.message);
      app.logger.error({ err }, 'HTTP ingest failed');
      fail(503, ErrorCode.SERVICE_UNAVAILABLE, 'Could not accept the event; try again');
    }
  });
  return router;
}
