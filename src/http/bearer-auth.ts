import type { Request } from 'express';
import type { App } from '../app.types.js';
import { bearer, type Auth } from '../auth/jwt.js';
import { tokenRefused } from '../auth/token-problem.js';
import { ErrorCode, KabarError, UnauthenticatedError } from '../domain-errors.js';

/** What a REST route answers when its caller has no usable token: `{ "error": { code, message, reason } }`. */
export interface AuthProblem {
  status: 401 | 503;
  error: { code: string; message: string; reason?: string };
}

/**
 * A REST route's caller: its verified token, or why there is none (the route answers with it: 401
 * and the token's reason, or 503 when the tenant lookup could not reach the database).
 */
export async function authenticate(app: App, req: Request): Promise<{ auth: Auth } | { problem: AuthProblem }> {
  const token = bearer(req.get('authorization'));
  try {
    if (!token) throw tokenRefused(req.get('authorization') ? 'MALFORMED' : 'MISSING');
    return { auth: await app.verify(token) };
  } catch (err) {
    if (err instanceof UnauthenticatedError) {
      return { problem: { status: 401, error: { code: err.code, message: err.message, reason: err.reason } } };
    }
    if (!(err instanceof KabarError)) app.logger.error({ err }, 'bearer token verification failed');
    const message = 'Could not verify the bearer token; try again';
    return { problem: { status: 503, error: { code: ErrorCode.SERVICE_UNAVAILABLE, message } } };
  }
}
