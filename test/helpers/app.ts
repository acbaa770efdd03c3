import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { signToken, type Role } from '../../src/auth/jwt.js';
import { loadConfig } from '../../src/config.js';
import { generateKey } from '../../src/crypto.js';
import { startServer, type RunningServer } from '../../src/server.js';

export const JWT = { secret: 'test-secret-that-is-long-enough-0123456789', issuer: 'kabar', audience: 'kabar-api' };

export interface TestKabar {
  app: App;
  server: RunningServer;
  url: string;
  /** Runs a GraphQL operation as the given token; returns the parsed response. */
  gql<T = any>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>>;
  token(tenantId: string | null, roles: Role[], sub?: string): Promise<string>;
  /** A fresh tenant created through the API by a platform admin, with a token per role. */
  newTenant(overrides?: Partial<{ name: string; country: string; currency: string; defaultLanguage: string; timezone: string }>): Promise<TestTenant>;
  stop(): Promise<void>;
}

export interface TestTenant {
  id: string;
  admin: string;
  support: string;
  staff: string;
  service: string;
}

export interface GqlResponse<T> {
  status: number;
  data: T;
  errors?: { message: string; path?: string[]; extensions: { code: string; field?: string } & Record<string, unknown> }[];
}

/** Starts Kabar (API) on a free port against the run's PostgreSQL database. */
export async function startKabar(env: Record<string, string> = {}): Promise<TestKabar> {
  const config = loadConfig({
    DATABASE_URL: inject('databaseUrl'),
    KABAR_JWT_SECRET: JWT.secret,
    KABAR_ENCRYPTION_KEY: generateKey(),
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await createApp(config, { migrate: false });
  const server = await startServer(app, 0, '127.0.0.1');
  const platform = await signToken(JWT, { sub: 'platform-test', roles: ['PLATFORM_ADMIN'] });

  const gql: TestKabar['gql'] = async (token, query, variables) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as GqlResponse<any>;
    return { ...body, status: res.status };
  };
  const token: TestKabar['token'] = (tenantId, roles, sub = `user-${randomUUID().slice(0, 8)}`) => signToken(JWT, { sub, tenantId, roles });

  return {
    app,
    server,
    url: server.url,
    gql,
    token,
    async newTenant(overrides = {}) {
      const input = { name: `Clinic ${randomUUID().slice(0, 6)}`, country: 'ID', currency: 'IDR', defaultLanguage: 'ID', timezone: 'Asia/Jakarta', ...overrides };
      const res = await gql(platform, 'mutation($input: CreateTenantInput!) { createTenant(input: $input) { id } }', { input });
      if (res.errors) throw new Error(`createTenant failed: ${JSON.stringify(res.errors)}`);
      const id = res.data.createTenant.id as string;
      return {
        id,
        admin: await token(id, ['TENANT_ADMIN'], `admin-${id.slice(0, 8)}`),
        support: await token(id, ['SUPPORT']),
        staff: await token(id, ['STAFF']),
        service: await token(id, ['SERVICE']),
      };
    },
    async stop() {
      await server.stop();
      await app.close();
    },
  };
}

export const platformToken = () => signToken(JWT, { sub: 'platform-test', roles: ['PLATFORM_ADMIN'] });

/** Waits until `check` stops throwing (for effects produced asynchronously). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** The error code of the first error, for terse assertions. */
export const codeOf = (res: GqlResponse<unknown>) => res.errors?.[0]?.extensions.code;
