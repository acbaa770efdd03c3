import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AuthenticationError as TgUnauthenticated, AuthorizationError as TgForbidden } from 'type-graphql';
import { ErrorCode, KabarError } from '../domain-errors.js';
import { logger } from '../logger.js';

/**
 * The one place errors become GraphQL errors: domain errors keep their code, GraphQL's own
 * (parse, validation, variable coercion) keep theirs, and anything else is logged and replaced
 * by a generic message so no stack trace or SQL text ever reaches a client.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const unwrapped = unwrapResolverError(error);
  // Validation rules and plugins (src/graphql/limits.ts) carry their domain error as originalError.
  const original =
    unwrapped instanceof GraphQLError && unwrapped.originalError instanceof KabarError
      ? unwrapped.originalError
      : unwrapped;
  const base = { message: withoutEchoedValue(formatted.message), locations: formatted.locations, path: formatted.path };
  if (original instanceof KabarError) {
    return { ...base, message: original.message, extensions: { code: original.code, ...original.extra } };
  }
  if (original instanceof TgUnauthenticated) return { ...base, extensions: { code: 'UNAUTHENTICATED' } };
  if (original instanceof TgForbidden)
    return { ...base, message: 'Your roles do not allow this operation', extensions: { code: 'FORBIDDEN' } };
  // A bad scalar literal (e.g. a float for Decimal) is bad input, whatever stage caught it.
  if (
    original instanceof GraphQLError &&
    original.originalError instanceof GraphQLError &&
    original.originalError.extensions.code === 'BAD_USER_INPUT'
  ) {
    return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
  }
  const code = formatted.extensions?.code;
  if (code === 'GRAPHQL_PARSE_FAILED' || code === 'GRAPHQL_VALIDATION_FAILED') {
    const limit = graphqlJsLimit(formatted.message);
    if (limit) return { ...base, extensions: limit };
  }
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    return { ...base, extensions: { code } };
  }
  if (original instanceof GraphQLError && !original.originalError)
    return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
  logger.error({ err: original, path: formatted.path }, 'unexpected error in GraphQL operation');
  return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/**
 * graphql-js words a variable it cannot coerce as `Variable "$i" got invalid value { …the whole
 * input… }; <why>`: the input may hold a secret (a WhatsApp token), so only the why is kept.
 */
export function withoutEchoedValue(message: string): string {
  const head = /^(Variable "\$[^"]+" got invalid value) /.exec(message);
  if (!head) return message;
  const tail = /( at "[^"]*")?; ([^;]*)$/.exec(message);
  return tail ? `${head[1]}${tail[1] ?? ''}; ${tail[2]}` : head[1]!;
}

/**
 * The limits graphql-js enforces itself say so only in their message: the parse option
 * maxTokens, MaxIntrospectionDepthRule, and the work budgets of validation (overlapping
 * fields, fragment expansion), which abort it with exactly "Validation aborted.".
 */
function graphqlJsLimit(message: string): { code: ErrorCode; limit?: number } | undefined {
  const tokens = /^Syntax Error: Document contains more tha[nt] (\d+) tokens/.exec(message);
  if (tokens) return { code: ErrorCode.QUERY_TOO_LARGE, limit: Number(tokens[1]) };
  if (message === 'Maximum introspection depth exceeded') return { code: ErrorCode.QUERY_TOO_DEEP };
  if (message === 'Validation aborted.') return { code: ErrorCode.QUERY_TOO_COMPLEX };
  return undefined;
}

/** The GraphQL-shaped body of an error answered outside Apollo (HTTP guards, graphql-ws): same codes, same shape. */
export function errorBody(error: KabarError): { errors: GraphQLFormattedError[] } {
  const { message, extensions } = formatError({ message: error.message }, error);
  return { errors: [{ message, extensions }] };
}

/**
 * Bad input is an answer, not a failed request: when every error of a response is
 * BAD_USER_INPUT (a service's checks, a value its scalar refused, in a variable or a literal),
 * the status is 200, as for any other GraphQL error. Apollo would answer 400 for the scalar ones.
 */
export function inputErrorsPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (errors?.length && errors.every((e) => e.extensions?.code === ErrorCode.BAD_USER_INPUT))
            response.http.status = 200;
        },
      };
    },
  };
}
