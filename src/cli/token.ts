import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { ROLES, signToken, type Role } from '../auth/jwt.js';
import { loadConfig } from '../config.js';
import { isId } from '../validation.js';
import { UsageError } from './usage.js';

export interface TokenInput {
  tenant?: string;
  /** Comma-separated, e.g. "TENANT_ADMIN,STAFF" (case-insensitive). */
  roles: string;
  sub?: string;
  /** A jose time span: "30d", "12h", "90m"… Default 30d. */
  expires?: string;
  /** Mint for a tenant without checking that it exists (e.g. before it is created). */
  allowUnknownTenant?: boolean;
}

export interface MintedToken {
  token: string;
  sub: string;
  tenantId: string | null;
  roles: Role[];
  expiresAt: Date;
}

/**
 * The HS256 secret Kabar verifies with: KABAR_JWT_SECRET, else the one embedded mode generated in
 * KABAR_DATA_DIR/jwt.secret. Tokens for a JWKS-verifying deployment come from its identity provider.
 */
export function jwtSecretFor(env: NodeJS.ProcessEnv): string {
  const config = loadConfig(env);
  if (config.KABAR_JWT_SECRET) return config.KABAR_JWT_SECRET;
  if (config.KABAR_JWKS_URL)
    throw new UsageError(
      'KABAR_JWKS_URL is set: Kabar verifies tokens against your identity provider, which must issue them (or set KABAR_JWT_SECRET)',
    );
  const file = join(config.KABAR_DATA_DIR, 'jwt.secret');
  if (!existsSync(file))
    throw new UsageError(
      `No JWT secret: set KABAR_JWT_SECRET, or start Kabar once in embedded mode (npm start) so it creates ${file}`,
    );
  return readFileSync(file, 'utf8').trim();
}

/** Mints a development token with the secret and issuer/audience Kabar is configured with. */
export async function mintToken(input: TokenInput, env: NodeJS.ProcessEnv = process.env): Promise<MintedToken> {
  const roles = [
    ...new Set(
      input.roles
        .split(',')
        .map((r) => r.trim().toUpperCase())
        .filter(Boolean),
    ),
  ];
  if (roles.length === 0)
    throw new UsageError(`--roles is required: one or more of ${ROLES.join(', ')}, comma-separated`);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length) throw new UsageError(`Unknown role(s) ${unknown.join(', ')}: use ${ROLES.join(', ')}`);
  const tenantId = input.tenant?.trim() || null;
  if (tenantId && !isId(tenantId)) throw new UsageError(`--tenant must be a tenant id (a UUID), got "${tenantId}"`);
  if (!tenantId && !roles.includes('PLATFORM_ADMIN'))
    throw new UsageError('--tenant is required (only a PLATFORM_ADMIN token may have no tenant)');
  const expires = input.expires?.trim() || '30d';
  if (
    !/^\d+(\.\d+)?\s*(s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|y|yrs?|years?)$/i.test(
      expires,
    )
  ) {
    throw new UsageError(`--expires must be a duration such as 3600s, 90m, 12h, 30d or 1y (got "${expires}")`);
  }
  const config = loadConfig(env);
  const secret = jwtSecretFor(env);
  if (tenantId && !input.allowUnknownTenant) {
    // Loaded only here: the database client is heavy, and most commands never need it.
    const { tenantExists, unknownTenant } = await import('./tenant-check.js');
    if (!(await tenantExists(config, secret, tenantId))) throw unknownTenant(tenantId);
  }
  const sub = input.sub?.trim() || `cli-${roles[0]!.toLowerCase().replace(/_/g, '-')}`;
  const token = await signToken(
    { secret, issuer: config.KABAR_JWT_ISSUER, audience: config.KABAR_JWT_AUDIENCE },
    { sub, tenantId, roles: roles as Role[] },
    expires,
  );
  const exp = decodeJwt(token).exp!;
  return { token, sub, tenantId, roles: roles as Role[], expiresAt: new Date(exp * 1000) };
}
