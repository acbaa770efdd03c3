import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { joseProblem, tokenRefused } from './token-problem.js';

export const ROLES = ['PLATFORM_ADMIN', 'TENANT_ADMIN', 'SUPPORT', 'STAFF', 'SERVICE'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, from a verified token. */
export interface Auth {
  sub: string;
  tenantId: string | null;
  roles: Role[];
}

const claims = z.object({
  sub: z.string().min(1).max(200),
  tenant_id: z.uuid().optional(),
  roles: z.array(z.enum(ROLES)).min(1),
});

export interface JwtSettings {
  secret?: string;
  jwksUrl?: string;
  issuer: string;
  audience: string;
  /**
   * Whether a tenant exists: a token naming one that does not is refused like any invalid token
   * (otherwise it would reach the services and fail there, e.g. on a foreign key). Tenants are
   * never deleted, so an id found once is remembered.
   */
  tenantExists?: (tenantId: string) => Promise<boolean>;
}

/** Seconds of clock skew allowed between the token issuer and Kabar (exp, nbf, iat). */
const CLOCK_TOLERANCE_S = 5;
const KNOWN_TENANTS_MAX = 100_000;

export type Verifier = (token: string) => Promise<Auth>;

export function createVerifier(s: JwtSettings): Verifier {
  if (!s.secret && !s.jwksUrl) throw new Error('Set KABAR_JWT_SECRET or KABAR_JWKS_URL');
  // An HS secret never verifies an asymmetric token and vice versa: the algorithm list is fixed per mode.
  const key: Uint8Array | JWTVerifyGetKey = s.jwksUrl
    ? createRemoteJWKSet(new URL(s.jwksUrl))
    : new TextEncoder().encode(s.secret);
  const algorithms = s.jwksUrl ? ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'] : ['HS256'];
  const knownTenants = new Set<string>();
  return async (token) => {
    let payload: JWTPayload;
    try {
      // Every token expires: one without `exp` would be valid forever once leaked.
      ({ payload } = await jwtVerify(token, key as Uint8Array, {
        issuer: s.issuer,
        audience: s.audience,
        algorithms,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw tokenRefused(joseProblem(err));
    }
    // jose checks `iat` only against a maximum age; a token issued in the future is not valid yet either.
    if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_S) {
      throw tokenRefused('NOT_YET_VALID');
    }
    const parsed = claims.safeParse(payload);
    if (!parsed.success) throw tokenRefused('INVALID_CLAIMS');
    const { sub, tenant_id, roles } = parsed.data;
    if (!tenant_id && !roles.includes('PLATFORM_ADMIN')) throw tokenRefused('INVALID_CLAIMS');
    if (tenant_id && s.tenantExists && !knownTenants.has(tenant_id)) {
      if (!(await s.tenantExists(tenant_id))) throw tokenRefused('UNKNOWN_TENANT');
      if (knownTenants.size >= KNOWN_TENANTS_MAX) knownTenants.clear();
      knownTenants.add(tenant_id);
    }
    return { sub, tenantId: tenant_id ?? null, roles };
  };
}

/** Parses "Bearer <jwt>" (HTTP header or graphql-ws connectionParams). */
export function bearer(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return m ? m[1]! : null;
}

/** Mints HS256 tokens: development (embedded mode, `kabar token`) and tests. */
export async function signToken(
  s: { secret: string; issuer: string; audience: string },
  who: { sub: string; tenantId?: string | null; roles: Role[] },
  expiresIn: string | number = '30d',
): Promise<string> {
  return new SignJWT({ roles: who.roles, ...(who.tenantId ? { tenant_id: who.tenantId } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(who.sub)
    .setIssuer(s.issuer)
    .setAudience(s.audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(s.secret));
}
