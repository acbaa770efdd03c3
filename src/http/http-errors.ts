import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ErrorCode } from '../domain-errors.js';

/** What an HTTP route answers when it refuses a request: `{ "error": HttpError }`. */
export interface HttpError {
  code: string;
  message: string;
  /** The limit a request went over (bytes, parameters). */
  limit?: number;
  /** Why a bearer token was refused (UNAUTHENTICATED): src/auth/token-problem.ts. */
  reason?: string;
}

/**
 * A body express could not read (body-parser's errors carry `type` and a 4xx `status`) as a
 * status and a stable code; anything else is a 500 without details. Shared by every route, so no
 * refusal is ever Express's HTML page with a stack trace.
 */
export function httpErrorOf(err: unknown): { status: number; error: HttpError } {
  const e = (err ?? {}) as { status?: unknown; type?: unknown; limit?: unknown };
  const status = typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? e.status : 500;
  const limit = typeof e.limit === 'number' ? { limit: e.limit } : {};
  switch (e.type) {
    case 'entity.too.large':
      return {
        status: 413,
        error: {
          code: ErrorCode.PAYLOAD_TOO_LARGE,
          message: `request body too large (limit ${e.limit} bytes)`,
          ...limit,
        },
      };
    case 'parameters.too.many':
      return { status: 413, error: { code: ErrorCode.PAYLOAD_TOO_LARGE, message: 'too many parameters', ...limit } };
    case 'entity.parse.failed':
      return { status: 400, error: { code: ErrorCode.BAD_REQUEST, message: 'malformed request body' } };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, error: { code: ErrorCode.BAD_REQUEST, message: 'unsupported body encoding or charset' } };
  }
  if (status < 500) return { status, error: { code: ErrorCode.BAD_REQUEST, message: 'malformed request body' } };
  return { status: 500, error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' } };
}

/** The last error handler of the server: JSON for every route, a log line for a 500. */
export function jsonErrors(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, error } = httpErrorOf(err);
    if (status === 500) log.error({ err, path: req.path }, 'HTTP request failed');
    res.status(status).json({ error });
  };
}

/** Unknown paths: JSON rather than Express's HTML "Cannot GET". */
export const jsonNotFound: RequestHandler = (req, res) => {
  res
    .status(404)
    .json({ error: { code: ErrorCode.NOT_FOUND, message: `no route for ${req.method} ${req.path.slice(0, 200)}` } });
};
