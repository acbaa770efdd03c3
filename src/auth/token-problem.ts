import { UnauthenticatedError } from '../domain-errors.js';

/**
 * Why a bearer token was refused: `extensions.reason` on GraphQL errors, `error.reason` on HTTP
 * routes, the close reason of a refused graphql-ws socket. Stable codes with fixed sentences: no
 * claim value, key, secret or token ever goes into them.
 */
export const TOKEN_PROBLEMS = {
  MISSING: 'A bearer token is required (Authorization: Bearer <JWT>)',
  MALFORMED: 'The bearer token is not a well-formed JWT',
  BAD_SIGNATURE: "The bearer token's signature does not verify with the keys Kabar trusts",
  ALGORITHM_NOT_ALLOWED: 'The bearer token is signed with an algorithm Kabar does not accept',
  EXPIRED: 'The bearer token has expired',
  NOT_YET_VALID: 'The bearer token is not valid yet (nbf or iat in the future)',
  WRONG_ISSUER: 'The bearer token was issued by another issuer (iss)',
  WRONG_AUDIENCE: 'The bearer token is meant for another audience (aud)',
  INVALID_CLAIMS: 'The bearer token lacks valid exp, sub, roles or tenant_id claims',
  UNKNOWN_TENANT: 'The bearer token names a tenant that does not exist',
  KEYS_UNAVAILABLE: "The identity provider's keys (JWKS) could not be fetched; try again shortly",
} as const;

export type TokenProblem = keyof typeof TOKEN_PROBLEMS;

export const tokenRefused = (reason: TokenProblem) => new UnauthenticatedError(TOKEN_PROBLEMS[reason], reason);

/** jose's verification errors (by their stable `code`, and the claim they name) as a reason. */
export function joseProblem(err: unknown): TokenProblem {
  const { code, claim } = (err ?? {}) as { code?: unknown; claim?: unknown };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'EXPIRED';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf' || claim === 'iat') {
        return (err as { reason?: unknown }).reason === 'check_failed' ? 'NOT_YET_VALID' : 'INVALID_CLAIMS';
      }
      if (claim === 'iss') return 'WRONG_ISSUER';
      if (claim === 'aud') return 'WRONG_AUDIENCE';
      return 'INVALID_CLAIMS';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'BAD_SIGNATURE';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'ALGORITHM_NOT_ALLOWED';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return 'KEYS_UNAVAILABLE';
  }
  // Anything else jose throws is about the token's shape; a fetch failure is the JWKS endpoint's.
  if (typeof code === 'string' && code.startsWith('ERR_J')) return 'MALFORMED';
  const fetchFailed = err instanceof TypeError || (err as { name?: unknown })?.name === 'AbortError';
  return fetchFailed ? 'KEYS_UNAVAILABLE' : 'MALFORMED';
}
