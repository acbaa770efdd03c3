import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { signToken } from '../auth/jwt.js';
import type { Config } from '../config.js';
import { openDatabase } from '../db/db-client.js';
import { withPlatform } from '../db/tenant.js';
import { findTenant } from '../services/tenants.service.js';
import { CliError } from './usage.js';

const OVERRIDE = 'pass --allow-unknown-tenant to mint it anyway';

/**
 * Whether a tenant exists, for `kabar token`: a token for a tenant that does not exist is refused
 * by every door (UNKNOWN_TENANT), so minting one is almost always a typo. Servers mode asks
 * PostgreSQL. Embedded mode asks the running Kabar (PGlite allows one process per data folder),
 * and opens the data folder itself only when no Kabar answers on PORT.
 */
export async function tenantExists(config: Config, secret: string, tenantId: string): Promise<boolean> {
  try {
    if (config.DATABASE_URL) return await inDatabase(config, tenantId);
    const running = await askRunningKabar(config, secret, tenantId);
    if (running !== undefined) return running;
    if (!existsSync(join(config.KABAR_DATA_DIR, 'pgdata'))) return false;
    return await inDatabase(config, tenantId);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`could not check that tenant ${tenantId} exists (${firstLine(err)}); ${OVERRIDE}`);
  }
}

export const unknownTenant = (tenantId: string) =>
  new CliError(`tenant ${tenantId} does not exist (create it with createTenant first, or check the id); ${OVERRIDE}`);

async function inDatabase(config: Config, tenantId: string): Promise<boolean> {
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.KABAR_DATA_DIR, poolSize: 1 });
  try {
    return !!(await withPlatform({ db, actor: 'cli-token' }, (s) => findTenant(s, tenantId)));
  } finally {
    await db.close();
  }
}

/** The running embedded Kabar's answer, or undefined when none listens on PORT. */
async function askRunningKabar(config: Config, secret: string, tenantId: string): Promise<boolean | undefined> {
  const settings = { secret, issuer: config.KABAR_JWT_ISSUER, audience: config.KABAR_JWT_AUDIENCE };
  const token = await signToken(settings, { sub: 'cli-token', roles: ['PLATFORM_ADMIN'] }, '60s');
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${config.PORT}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ tenants { id } }' }),
      signal: AbortSignal.timeout(5000),
    });
  } catch {
    return undefined;
  }
  const body = (await res.json().catch(() => ({}))) as { data?: { tenants?: { id: string }[] } };
  if (!body.data?.tenants) {
    throw new Error(`the server on port ${config.PORT} did not list tenants (HTTP ${res.status}; is it this Kabar?)`);
  }
  return body.data.tenants.some((t) => t.id === tenantId);
}

const firstLine = (err: unknown) =>
  String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .slice(0, 200);
