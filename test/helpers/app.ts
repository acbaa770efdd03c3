import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { inject } from 'vitest';
import type { App } from '../../src/app.js';
import { createSandboxChannels } from '../../src/channels/sandbox.channel.js';
import type { Channels } from '../../src/channels/channel.types.js';
import { startRuntime, type RoleName, type Runtime } from '../../src/runtime.js';
import { signToken, type Role } from '../../src/auth/jwt.js';
import { loadConfig } from '../../src/config.js';
import { generateKey } from '../../src/crypto.js';
import type { RunningServer } from '../../src/server.js';
import { freePort } from './net.js';

export const JWT = { secret: 'test-secret-that-is-long-enough-0123456789', issuer: 'kabar', audience: 'kabar-api' };

export interface TestKabar {
  app: App;
  runtime: Runtime;
  /** Absent when the API role is not started. */
  server: RunningServer | undefined;
  url: string;
  /** Runs a GraphQL operation as the given token; returns the parsed response. */
  gql<T = any>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>>;
  token(tenantId: string | null, roles: Role[], sub?: string): Promise<string>;
  /** A fresh tenant created through the API by a platform admin, with a token per role. */
  newTenant(
    overrides?: Partial<{ name: string; country: string; currency: string; defaultLanguage: string; timezone: string }>,
  ): Promise<TestTenant>;
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
  errors?: {
    message: string;
    path?: string[];
    extensions: { code: string; field?: string } & Record<string, unknown>;
  }[];
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Real adapters pointed at fake providers; default: sandbox adapters. */
  channels?: Channels;
  roles?: RoleName[];
  now?: () => Date;
  snsFetchCert?: (url: string) => Promise<string>;
  /** Retry sweep and scheduler loops (default on). */
  loops?: boolean;
  /** Where Kabar logs (default: the silent process logger). */
  logger?: Logger;
}

/** Starts Kabar (API and, by default, an in-process dispatcher) on a free port against the run's PostgreSQL. */
export async function startKabar(opts: StartOptions = {}): Promise<TestKabar> {
  // The public URL must be the real one: providers sign their webhook calls over it.
  const port = await freePort();
  const config = loadConfig({
    KABAR_PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: inject('databaseUrl'),
    KABAR_JWT_SECRET: JWT.secret,
    KABAR_ENCRYPTION_KEY: generateKey(),
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const runtime = await startRuntime(config, {
    channels: opts.channels ?? createSandboxChannels(() => {}),
    roles: opts.roles ?? ['api', 'dispatcher', 'scheduler'],
    migrate: false,
    port,
    host: '127.0.0.1',
    now: opts.now,
    loops: opts.loops,
    snsFetchCert: opts.snsFetchCert,
    logger: opts.logger,
  });
  const server = runtime.server;
  const url = server?.url ?? '';
  const platform = await signToken(JWT, { sub: 'platform-test', roles: ['PLATFORM_ADMIN'] });

  const gql: TestKabar['gql'] = async (token, query, variables) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as GqlResponse<any>;
    return { ...body, status: res.status };
  };
  const token: TestKabar['token'] = (tenantId, roles, sub = `user-${randomUUID().slice(0, 8)}`) =>
    signToken(JWT, { sub, tenantId, roles });

  return {
    // The API's world (database, schema…); only a Kabar started with the api role has one.
    get app(): App {
      if (!runtime.app) throw new Error('startKabar: this Kabar runs no api role, so it has no app (use runtime.core)');
      return runtime.app;
    },
    server,
    url,
    gql,
    token,
    async newTenant(overrides = {}) {
      const input = {
        name: `Clinic ${randomUUID().slice(0, 6)}`,
        country: 'ID',
        currency: 'IDR',
        defaultLanguage: 'ID',
        timezone: 'Asia/Jakarta',
        ...overrides,
      };
      const res = await gql(platform, 'mutation($input: CreateTenantInput!) { createTenant(input: $input) { id } }', {
        input,
      });
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
    runtime,
    async stop() {
      await runtime.stop();
    },
  };
}

export const platformToken = () => signToken(JWT, { sub: 'platform-test', roles: ['PLATFORM_ADMIN'] });

/** The WhatsApp price every suite uses (per message, IDR, in force since 2026-01-01). */
export const TEST_PRICE = '350.50';

/**
 * Sets TEST_PRICE for Indonesia in the given categories. Files share one database and run side by
 * side, so they all set the same price, and a CONFLICT means another file set it first.
 */
export async function setTestPrices(k: Pick<TestKabar, 'gql'>, categories: string[] = ['UTILITY']): Promise<void> {
  const platform = await platformToken();
  for (const category of categories) {
    const res = await k.gql(
      platform,
      `mutation { setWhatsAppPrice(input: { country: "ID", currency: "IDR", category: ${category}, pricePerMessage: "${TEST_PRICE}", effectiveFrom: "2026-01-01T00:00:00Z" }) { id } }`,
    );
    if (res.errors && codeOf(res) !== 'CONFLICT')
      throw new Error(`setWhatsAppPrice failed: ${JSON.stringify(res.errors)}`);
  }
}

/**
 * Makes a tenant able to send WhatsApp: the WhatsApp_Notification switch on, a 360dialog
 * configuration with `token` (Indonesia, IDR), and `credit` bought and confirmed ('0': none).
 * `provider`: the WhatsApp fake, which issues `token` first (it refuses keys it did not issue).
 * Throws on any GraphQL error.
 */
export async function enableWhatsApp(
  k: Pick<TestKabar, 'gql'>,
  t: TestTenant,
  opts: { token: string; credit: string; provider?: { issueKey(key: string): string } },
): Promise<void> {
  opts.provider?.issueKey(opts.token);
  const ok = async (token: string, doc: string, vars?: Record<string, unknown>) => {
    const res = await k.gql(token, doc, vars);
    if (res.errors) throw new Error(`${doc.slice(0, 60)}…: ${JSON.stringify(res.errors)}`);
    return res.data as any;
  };
  await ok(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { key } }');
  await ok(
    t.admin,
    'mutation($tok: String) { upsertWhatsAppConfig(input: { senderNumber: "+6281100000000", token: $tok, country: "ID", currency: "IDR", isActive: true }) { tokenSet } }',
    { tok: opts.token },
  );
  if (opts.credit === '0') return;
  const req = await ok(t.admin, `mutation { requestCreditPurchase(amount: "${opts.credit}") { id } }`);
  await ok(await platformToken(), 'mutation($id: ID!) { confirmCreditPurchase(id: $id) { status } }', {
    id: req.requestCreditPurchase.id,
  });
}

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
