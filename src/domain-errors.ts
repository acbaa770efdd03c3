// Typed domain errors. Services throw these; src/graphql/graphql-errors.ts maps them to GraphQL once.
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  INSUFFICIENT_CREDIT = 'INSUFFICIENT_CREDIT',
  INVALID_STATE_TRANSITION = 'INVALID_STATE_TRANSITION',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  // GraphQL abuse limits (src/graphql/limits.ts)
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  QUERY_TOO_LARGE = 'QUERY_TOO_LARGE',
  TOO_MANY_ALIASES = 'TOO_MANY_ALIASES',
  TOO_MANY_DIRECTIVES = 'TOO_MANY_DIRECTIVES',
  // HTTP requests refused before GraphQL reads them
  BAD_REQUEST = 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  BATCHING_NOT_SUPPORTED = 'BATCHING_NOT_SUPPORTED',
}

export class KabarError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  /**
   * GraphQL errors copy their original error's `extensions`: this keeps the code where Apollo's
   * formatError does not run (graphql-ws subscriptions), e.g. FORBIDDEN for a subscription.
   */
  get extensions(): Record<string, unknown> {
    return { code: this.code, ...this.extra };
  }
}

/** No usable token; `reason` says why (src/auth/token-problem.ts: MISSING, EXPIRED, UNKNOWN_TENANT…). */
export class UnauthenticatedError extends KabarError {
  constructor(
    message = 'A bearer token is required (Authorization: Bearer <JWT>)',
    readonly reason = 'MISSING',
  ) {
    super(ErrorCode.UNAUTHENTICATED, message, { reason });
  }
}

export class ForbiddenError extends KabarError {
  constructor(message = 'Your roles do not allow this operation') {
    super(ErrorCode.FORBIDDEN, message);
  }
}

/** One invalid field: its path in the operation (e.g. "input.phone") and a sentence naming it. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * Bad input, naming every offending field: `extensions.fields` lists them all (in input order),
 * `extensions.field` is the first. The message is the one problem's, or a count and all of them.
 */
export class ValidationError extends KabarError {
  readonly field: string;
  readonly fields: FieldProblem[];
  constructor(field: string, message: string);
  constructor(fields: FieldProblem[]);
  constructor(fieldOrList: string | FieldProblem[], message?: string) {
    const fields = typeof fieldOrList === 'string' ? [{ path: fieldOrList, message: message! }] : fieldOrList;
    const text =
      fields.length === 1
        ? fields[0]!.message
        : `${fields.length} invalid fields: ${fields.map((f) => f.message).join('; ')}`;
    super(ErrorCode.BAD_USER_INPUT, text, { field: fields[0]!.path, fields });
    this.field = fields[0]!.path;
    this.fields = fields;
  }
}

export class NotFoundError extends KabarError {
  constructor(entity: string, id?: string) {
    super(ErrorCode.NOT_FOUND, id ? `${entity} ${id} not found` : `${entity} not found`, { entity });
  }
}

export class ConflictError extends KabarError {
  constructor(message: string) {
    super(ErrorCode.CONFLICT, message);
  }
}

export class InsufficientCreditError extends KabarError {
  constructor(balance: string, required: string) {
    super(ErrorCode.INSUFFICIENT_CREDIT, `Insufficient WhatsApp credit: balance ${balance}, required ${required}`, {
      balance,
      required,
    });
  }
}

export class InvalidStateTransitionError extends KabarError {
  constructor(entity: string, from: string, to: string) {
    super(ErrorCode.INVALID_STATE_TRANSITION, `${entity} cannot move from ${from} to ${to}`, { from, to });
  }
}

export type QueryLimitCode =
  | ErrorCode.QUERY_TOO_DEEP
  | ErrorCode.QUERY_TOO_COMPLEX
  | ErrorCode.QUERY_TOO_LARGE
  | ErrorCode.TOO_MANY_ALIASES
  | ErrorCode.TOO_MANY_DIRECTIVES;

/** An operation over one of the configured limits: `limit` is the maximum, `actual` what the operation has. */
export class QueryLimitError extends KabarError {
  constructor(code: QueryLimitCode, message: string, limit: number, actual?: number) {
    super(code, message, actual === undefined ? { limit } : { limit, actual });
  }
}

/** A GraphQL HTTP request refused before GraphQL reads it, answered with `status`. */
export class RequestError extends KabarError {
  constructor(
    code: ErrorCode.BAD_REQUEST | ErrorCode.PAYLOAD_TOO_LARGE | ErrorCode.BATCHING_NOT_SUPPORTED,
    message: string,
    readonly status: number,
    extra: Record<string, unknown> = {},
  ) {
    super(code, message, extra);
  }
}

/** What an error may carry: a code (SQLSTATE, errno, kafkajs type) and what it wraps. */
export interface ErrorLike {
  code?: unknown;
  type?: unknown;
  message?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

/**
 * An error and the errors it wraps, outermost first: drizzle wraps the driver's error in `cause`,
 * fetch (undici) the system error, kafkajs and GraphQL use `originalError`. At most `depth` deep
 * (a cycle of causes must not hang the caller).
 */
export function causes(err: unknown, depth = 5): ErrorLike[] {
  const chain: ErrorLike[] = [];
  for (let e = err; e && typeof e === 'object' && chain.length < depth; ) {
    const like = e as ErrorLike;
    chain.push(like);
    e = like.cause ?? like.originalError;
  }
  return chain;
}
