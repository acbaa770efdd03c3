import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AuthenticationError as TgUnauthenticated, AuthorizationError as TgForbidden } from 'type-graphql';
import { KabarError } from '../errors.js';
import { logger } from '../logger.js';

/**
 * The one place errors become GraphQL errors: domain errors keep their code, GraphQL's own
 * (parse, validation, variable coercion) keep theirs, and anything else is logged and replaced
 * by a generic message so no stack trace or SQL text ever reaches a client.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (original instanceof KabarError) {
    return { ...base, message: original.message, extensions: { code: original.code, ...original.extra } };
  }
  if (original instanceof TgUnauthenticated) return { ...base, extensions: { code: 'UNAUTHENTICATED' } };
  if (original instanceof TgForbidden) return { ...base, message: 'Your roles do not allow this operation', extensions: { code: 'FORBIDDEN' } };
  // A bad scalar literal (e.g. a float for Decimal) is bad input, whatever stage caught it.
  if (original instanceof GraphQLError && original.originalError instanceof GraphQLError && original.originalError.extensions.code === 'BAD_USER_INPUT') {
    return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    return { ...base, extensions: { code } };
  }
  if (original instanceof GraphQLError && !original.originalError) return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
  logger.error({ err: original, path: formatted.path }, 'unexpected error in GraphQL operation');
  return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
