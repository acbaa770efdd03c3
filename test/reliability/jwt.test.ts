import {
  createHmac,
  createPublicKey,
  createSign,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, JWT, platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { wsInit } from '../helpers/ws.js';
import { REASONS } from './jwt-reasons.js';

// Hostile bearer tokens, over HTTP (GraphQL and the /events ingest) and on graphql-ws connection_init.
// Tokens are crafted by hand (header, payload, signature) so nothing in a library can "fix" them.

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function hs(header: Record<string, unknown>, payload: unknown, secret: string | Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(
    header.alg === 'HS512' ? 'sha512' : header.alg === 'HS384' ? 'sha384' : 'sha256',
    secret,
  )
    .update(input)
    .digest('base64url')}`;
}

function rs(header: Record<string, unknown>, payload: unknown, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

/** A payload Kabar accepts, for the given tenant and roles; `over` replaces or (undefined) removes claims. */
function claims(tenantId: string | null, roles: unknown, over: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    sub: 'attacker',
    roles,
    iss: JWT.issuer,
    aud: JWT.audience,
    iat: now(),
    exp: now() + 600,
    ...(tenantId ? { tenant_id: tenantId } : {}),
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
}

const HS = { alg: 'HS256', typ: 'JWT' };
const TENANT_Q = 'query { tenant { id } }';
const PLATFORM_Q = 'query { tenants { id } }';

/** What an Authorization value gets on each door: GraphQL over HTTP, POST /events, graphql-ws. */
async function doors(k: TestKabar, authorization: string | null, query = TENANT_Q) {
  const http = await fetch(k.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== null ? { authorization } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await http.json()) as {
    data: unknown;
    errors?: { message: string; extensions: { code: string; reason?: string } }[];
  };
  const ingest = await fetch(k.url.replace(/\/graphql$/, '/events'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== null ? { authorization } : {}) },
    body: JSON.stringify({
      id: `evt-${randomUUID()}`,
      type: 'report.ready',
      occurredAt: new Date().toISOString(),
      data: {},
    }),
  });
  const ingestBody = (await ingest.json()) as { error?: { code: string; message: string; reason?: string } };
  const ws = await wsInit(k.url, authorization === null ? {} : { authorization });
  if (ws.acked) await ws.socket.close();
  // What a refusal says, to check that it never repeats the token (nor any part of it) or the secret.
  const said = `${body.errors?.[0]?.message ?? ''} ${ingestBody.error?.message ?? ''} ${ws.acked ? '' : ws.reason}`;
  const token = authorization?.replace(/^\S+\s+/, '') ?? '';
  const leaked = [JWT.secret, ...token.split(/[.\s]+/).filter((part) => part.length >= 8)].filter((s) =>
    said.includes(s),
  );
  return {
    graphql: {
      status: http.status,
      code: body.errors?.[0]?.extensions.code,
      reason: body.errors?.[0]?.extensions.reason,
      data: body.data,
    },
    ingest: { status: ingest.status, code: ingestBody.error?.code, reason: ingestBody.error?.reason },
    ws: ws.acked ? 'acked' : `${ws.code} ${ws.reason}`,
    leaked,
  };
}

/**
 * Every door shuts and says why, with the same reason: GraphQL UNAUTHENTICATED with no data, ingest
 * 401 UNAUTHENTICATED, socket closed 4403 "Forbidden: <reason>" without ack; nothing of the token in it.
 */
function expectShut(got: Awaited<ReturnType<typeof doors>>, name: string, reason: string | undefined) {
  expect(reason, `${name}: no expected reason in REASONS`).toBeDefined();
  expect(got.graphql, name).toEqual({ status: 200, code: 'UNAUTHENTICATED', reason, data: null });
  expect(got.ingest, name).toEqual({ status: 401, code: 'UNAUTHENTICATED', reason });
  expect(got.ws, name).toBe(`4403 Forbidden: ${reason}`);
  expect(got.leaked, name).toEqual([]);
}

describe('JWT attacks, HS256 deployment', () => {
  let k: TestKabar;
  let t: TestTenant;
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    k = await startKabar();
    t = await k.newTenant();
  });
  afterAll(async () => k?.stop());

  it('a well-formed token opens every door (the control the attacks below are measured against)', async () => {
    const token = hs(HS, claims(t.id, ['TENANT_ADMIN']), JWT.secret);
    const got = await doors(k, `Bearer ${token}`);
    expect(got.graphql).toEqual({ status: 200, code: undefined, reason: undefined, data: { tenant: { id: t.id } } });
    // The ingest authenticates and then judges the envelope: 400 on the empty data, not 401.
    expect(got.ingest).toEqual({ status: 400, code: 'BAD_USER_INPUT', reason: undefined });
    expect(got.ws).toBe('acked');
  });

  const cases: Record<string, (c: { t: TestTenant }) => string | null> = {
    'no Authorization header': () => null,
    'expired ten minutes ago': ({ t }) =>
      `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { exp: now() - 600, iat: now() - 1200 }), JWT.secret)}`,
    'expired beyond the 5 s clock tolerance': ({ t }) =>
      `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { exp: now() - 30, iat: now() - 600 }), JWT.secret)}`,
    'not valid yet (nbf in 10 minutes)': ({ t }) =>
      `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { nbf: now() + 600 }), JWT.secret)}`,
    'issued in the future (iat in 10 minutes)': ({ t }) =>
      `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { iat: now() + 600, exp: now() + 1200 }), JWT.secret)}`,
    'no expiry at all': ({ t }) => `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { exp: undefined }), JWT.secret)}`,
    'exp not a number': ({ t }) => `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { exp: 'never' }), JWT.secret)}`,
    'wrong issuer': ({ t }) => `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { iss: 'evil' }), JWT.secret)}`,
    'no issuer': ({ t }) => `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { iss: undefined }), JWT.secret)}`,
    'wrong audience': ({ t }) => `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { aud: 'other-api' }), JWT.secret)}`,
    'no audience': ({ t }) => `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { aud: undefined }), JWT.secret)}`,
    'alg none, empty signature': ({ t }) =>
      `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(t.id, ['PLATFORM_ADMIN']))}.`,
    'alg None, empty signature': ({ t }) => `Bearer ${b64({ alg: 'None' })}.${b64(claims(t.id, ['TENANT_ADMIN']))}.`,
    'alg none, no signature part': ({ t }) => `Bearer ${b64({ alg: 'none' })}.${b64(claims(t.id, ['TENANT_ADMIN']))}`,
    'alg none, valid HS256 signature kept': ({ t }) => {
      const good = hs(HS, claims(t.id, ['TENANT_ADMIN']), JWT.secret).split('.');
      return `Bearer ${b64({ alg: 'none' })}.${good[1]}.${good[2]}`;
    },
    'HS512 with the right secret (algorithm not allowed)': ({ t }) =>
      `Bearer ${hs({ alg: 'HS512' }, claims(t.id, ['TENANT_ADMIN']), JWT.secret)}`,
    'signed with another secret': ({ t }) =>
      `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN']), 'another-secret-another-secret-0123456789')}`,
    'RS256 by an attacker key embedded in the header (jwk)': ({ t }) =>
      `Bearer ${rs({ alg: 'RS256', jwk: attacker.publicKey.export({ format: 'jwk' }) }, claims(t.id, ['PLATFORM_ADMIN']), attacker.privateKey)}`,
    'tampered payload: roles raised to PLATFORM_ADMIN': ({ t }) => {
      const [h, , s] = hs(HS, claims(t.id, ['STAFF']), JWT.secret).split('.');
      return `Bearer ${h}.${b64(claims(t.id, ['PLATFORM_ADMIN']))}.${s}`;
    },
    'tampered payload: tenant switched': ({ t }) => {
      const [h, , s] = hs(HS, claims(t.id, ['TENANT_ADMIN']), JWT.secret).split('.');
      return `Bearer ${h}.${b64(claims(randomUUID(), ['TENANT_ADMIN']))}.${s}`;
    },
    'tampered signature: one character changed': ({ t }) => {
      const token = hs(HS, claims(t.id, ['TENANT_ADMIN']), JWT.secret);
      const last = token.at(-2) === 'A' ? 'B' : 'A';
      return `Bearer ${token.slice(0, -2)}${last}${token.at(-1)}`;
    },
    'tampered signature: truncated': ({ t }) =>
      `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN']), JWT.secret).slice(0, -6)}`,
    'tampered signature: removed': ({ t }) =>
      `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN']), JWT.secret).replace(/\.[^.]+$/, '.')}`,
    'missing roles': ({ t }) => `Bearer ${hs(HS, claims(t.id, undefined, { roles: undefined }), JWT.secret)}`,
    'empty roles': ({ t }) => `Bearer ${hs(HS, claims(t.id, []), JWT.secret)}`,
    'unknown role': ({ t }) => `Bearer ${hs(HS, claims(t.id, ['GOD']), JWT.secret)}`,
    'a known and an unknown role': ({ t }) => `Bearer ${hs(HS, claims(t.id, ['STAFF', 'ROOT']), JWT.secret)}`,
    'role in the wrong case': ({ t }) => `Bearer ${hs(HS, claims(t.id, ['tenant_admin']), JWT.secret)}`,
    'roles a string, not an array': ({ t }) => `Bearer ${hs(HS, claims(t.id, 'TENANT_ADMIN'), JWT.secret)}`,
    'roles an object': ({ t }) => `Bearer ${hs(HS, claims(t.id, { 0: 'TENANT_ADMIN', length: 1 }), JWT.secret)}`,
    'roles with a non-string': ({ t }) => `Bearer ${hs(HS, claims(t.id, [1, 'STAFF']), JWT.secret)}`,
    'tenant role without tenant_id': () => `Bearer ${hs(HS, claims(null, ['TENANT_ADMIN']), JWT.secret)}`,
    'service role without tenant_id': () => `Bearer ${hs(HS, claims(null, ['SERVICE']), JWT.secret)}`,
    'tenant_id not a UUID': () => `Bearer ${hs(HS, claims('1 or 1=1', ['TENANT_ADMIN']), JWT.secret)}`,
    'tenant_id a number': () => `Bearer ${hs(HS, claims(null, ['TENANT_ADMIN'], { tenant_id: 42 }), JWT.secret)}`,
    'tenant that does not exist': () => `Bearer ${hs(HS, claims(randomUUID(), ['TENANT_ADMIN']), JWT.secret)}`,
    'platform admin naming a tenant that does not exist': () =>
      `Bearer ${hs(HS, claims(randomUUID(), ['PLATFORM_ADMIN']), JWT.secret)}`,
    'no subject': ({ t }) => `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { sub: undefined }), JWT.secret)}`,
    'empty subject': ({ t }) => `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN'], { sub: '' }), JWT.secret)}`,
    'payload not JSON': () => {
      const input = `${b64(HS)}.${Buffer.from('not json').toString('base64url')}`;
      return `Bearer ${input}.${createHmac('sha256', JWT.secret).update(input).digest('base64url')}`;
    },
    'payload a JSON array': ({ t }) => `Bearer ${hs(HS, [claims(t.id, ['TENANT_ADMIN'])], JWT.secret)}`,
    'garbage: not-a-jwt': () => 'Bearer not-a-jwt',
    'garbage: three dots': () => 'Bearer ...',
    'garbage: a.b.c': () => 'Bearer a.b.c',
    'garbage: random bytes': () => `Bearer ${randomBytes(96).toString('base64url')}`,
    'garbage: 8 KB of dots and letters': () => `Bearer ${'ab.'.repeat(2730)}`,
    'garbage: "Bearer" alone': () => 'Bearer',
    'garbage: "Bearer " with spaces': () => 'Bearer    ',
    'garbage: Basic credentials': () => `Basic ${Buffer.from('admin:admin').toString('base64')}`,
    'garbage: the raw token without the Bearer scheme': ({ t }) => hs(HS, claims(t.id, ['TENANT_ADMIN']), JWT.secret),
    'garbage: two tokens': ({ t }) =>
      `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN']), JWT.secret)} ${hs(HS, claims(t.id, ['TENANT_ADMIN']), JWT.secret)}`,
  };

  for (const [name, make] of Object.entries(cases)) {
    it(`${name}: UNAUTHENTICATED ${REASONS[name]} on HTTP, ingest and graphql-ws`, async () => {
      expectShut(await doors(k, make({ t })), name, REASONS[name]);
    });
  }

  it('the CSV export refuses with the same reasons (401 JSON, no token in it)', async () => {
    const csv = async (authorization?: string) => {
      const res = await fetch(k.url.replace(/\/graphql$/, '/deliveries.csv'), {
        headers: authorization ? { authorization } : {},
      });
      return { status: res.status, body: await res.json() };
    };
    const expired = hs(HS, claims(t.id, ['TENANT_ADMIN'], { exp: now() - 600, iat: now() - 1200 }), JWT.secret);
    expect(await csv()).toEqual({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', reason: 'MISSING', message: expect.any(String) } },
    });
    expect(await csv(`Bearer ${expired}`)).toEqual({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', reason: 'EXPIRED', message: 'The bearer token has expired' } },
    });
    const ghost = hs(HS, claims(randomUUID(), ['TENANT_ADMIN']), JWT.secret);
    expect(await csv(`Bearer ${ghost}`)).toEqual({
      status: 401,
      body: {
        error: {
          code: 'UNAUTHENTICATED',
          reason: 'UNKNOWN_TENANT',
          message: 'The bearer token names a tenant that does not exist',
        },
      },
    });
    expect(
      await csv(`Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN']), 'another-secret-another-secret-0123456789')}`),
    ).toMatchObject({ status: 401, body: { error: { reason: 'BAD_SIGNATURE' } } });
  });

  it('connection_init without a usable payload is refused (4403, no ack)', async () => {
    const token = hs(HS, claims(t.id, ['TENANT_ADMIN']), JWT.secret);
    for (const payload of [
      undefined,
      {},
      { authorization: 42 },
      { authorization: ['Bearer', token] },
      { authorization: { Bearer: token } },
      { token },
    ]) {
      const got = await wsInit(k.url, payload);
      expect(got.acked, JSON.stringify(payload)).toBe(false);
      if (!got.acked) expect(got.code, JSON.stringify(payload)).toBe(4403);
    }
  });

  it('a valid token whose roles do not allow the operation is FORBIDDEN, not UNAUTHENTICATED', async () => {
    const staff = hs(HS, claims(t.id, ['STAFF']), JWT.secret);
    expect((await doors(k, `Bearer ${staff}`, PLATFORM_Q)).graphql).toEqual({
      status: 200,
      code: 'FORBIDDEN',
      data: null,
    });
    const ingest = await fetch(k.url.replace(/\/graphql$/, '/events'), {
      method: 'POST',
      headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ingest.status).toBe(403);
    expect(((await ingest.json()) as any).error.code).toBe('FORBIDDEN');
    // A platform admin token without a tenant cannot reach tenant data, nor subscribe to a tenant's changes.
    const platform = await platformToken();
    expect(codeOf(await k.gql(platform, TENANT_Q))).toBe('FORBIDDEN');
    const ws = await wsInit(k.url, { authorization: `Bearer ${platform}` });
    expect(ws.acked).toBe(true);
    if (!ws.acked) return;
    ws.socket.subscribe('1', 'subscription { creditBalanceChanged { balance } }');
    await expect.poll(() => ws.socket.of('1').length).toBe(2);
    expect(ws.socket.of('1')).toEqual([
      {
        id: '1',
        type: 'next',
        payload: {
          errors: [expect.objectContaining({ path: ['creditBalanceChanged'], extensions: { code: 'FORBIDDEN' } })],
        },
      },
      { id: '1', type: 'complete' },
    ]);
    await ws.socket.close();
  });

  it('a token minted for a tenant works once that tenant exists, and not for a tenant that does not', async () => {
    // The existence check is cached for known tenants only: a fresh tenant's first token works at once.
    const fresh = await k.newTenant();
    expect((await k.gql(fresh.staff, TENANT_Q)).data).toEqual({ tenant: { id: fresh.id } });
    const ghost = randomUUID();
    const token = await k.token(ghost, ['TENANT_ADMIN']);
    expect(codeOf(await k.gql(token, 'mutation { setReferenceData(key: "x", value: "y") { key } }'))).toBe(
      'UNAUTHENTICATED',
    );
    expect(codeOf(await k.gql(token, TENANT_Q))).toBe('UNAUTHENTICATED');
  });
});

describe('JWT attacks, RS256/JWKS deployment', () => {
  let k: TestKabar;
  let t: TestTenant;
  let jwks: Server;
  let jwksUrl: string;
  let jwksHits = 0;
  const kid = 'kabar-test-1';
  const issuer = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = issuer.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const publicJwk = { ...createPublicKey(publicPem).export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const RS = { alg: 'RS256', typ: 'JWT', kid };

  beforeAll(async () => {
    jwks = createServer((_req, res) => {
      jwksHits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    // The HS secret stays configured too: a JWKS deployment must not fall back to it.
    k = await startKabar({ env: { KABAR_JWKS_URL: jwksUrl } });
    const platform = rs(RS, claims(null, ['PLATFORM_ADMIN']), issuer.privateKey);
    const created = await k.gql(
      platform,
      'mutation { createTenant(input: { name: "JWKS clinic", country: "ID", currency: "IDR", defaultLanguage: ID, timezone: "Asia/Jakarta" }) { id } }',
    );
    expect(created.errors).toBeUndefined();
    t = { id: created.data.createTenant.id } as TestTenant;
  });
  afterAll(async () => {
    await k?.stop();
    await new Promise((r) => jwks?.close(r));
  });

  it('a token signed by the identity provider opens every door (control)', async () => {
    const got = await doors(k, `Bearer ${rs(RS, claims(t.id, ['TENANT_ADMIN']), issuer.privateKey)}`);
    expect(got.graphql).toEqual({ status: 200, code: undefined, reason: undefined, data: { tenant: { id: t.id } } });
    expect(got.ingest).toEqual({ status: 400, code: 'BAD_USER_INPUT', reason: undefined });
    expect(got.ws).toBe('acked');
    expect(jwksHits).toBeGreaterThan(0);
  });

  const cases: Record<string, () => string> = {
    'HS256 signed with the public key PEM as the secret (key confusion)': () =>
      `Bearer ${hs({ alg: 'HS256', typ: 'JWT', kid }, claims(t.id, ['PLATFORM_ADMIN']), publicPem)}`,
    'HS256 signed with the public key PEM, no kid': () => `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN']), publicPem)}`,
    'HS256 signed with the public key DER as the secret': () =>
      `Bearer ${hs({ alg: 'HS256', kid }, claims(t.id, ['TENANT_ADMIN']), issuer.publicKey.export({ type: 'spki', format: 'der' }) as Buffer)}`,
    'HS256 signed with the JWKS document as the secret': () =>
      `Bearer ${hs({ alg: 'HS256', kid }, claims(t.id, ['TENANT_ADMIN']), JSON.stringify(publicJwk))}`,
    'HS256 signed with the still-configured HS secret': () =>
      `Bearer ${hs(HS, claims(t.id, ['TENANT_ADMIN']), JWT.secret)}`,
    'alg none with the kid': () => `Bearer ${b64({ alg: 'none', kid })}.${b64(claims(t.id, ['PLATFORM_ADMIN']))}.`,
    'RS256 by another key under the same kid': () =>
      `Bearer ${rs(RS, claims(t.id, ['TENANT_ADMIN']), attacker.privateKey)}`,
    'RS256 by another key embedded in the header (jwk)': () =>
      `Bearer ${rs({ alg: 'RS256', jwk: attacker.publicKey.export({ format: 'jwk' }) }, claims(t.id, ['PLATFORM_ADMIN']), attacker.privateKey)}`,
    'RS256 by another key, jku pointing at the attacker': () =>
      `Bearer ${rs({ alg: 'RS256', kid: 'evil', jku: 'http://127.0.0.1:1/jwks.json' }, claims(t.id, ['PLATFORM_ADMIN']), attacker.privateKey)}`,
    'RS256 with an unknown kid': () =>
      `Bearer ${rs({ ...RS, kid: 'unknown' }, claims(t.id, ['TENANT_ADMIN']), issuer.privateKey)}`,
    'RS256 expired': () =>
      `Bearer ${rs(RS, claims(t.id, ['TENANT_ADMIN'], { exp: now() - 600, iat: now() - 1200 }), issuer.privateKey)}`,
    'RS256 issued in the future': () =>
      `Bearer ${rs(RS, claims(t.id, ['TENANT_ADMIN'], { iat: now() + 600, exp: now() + 1200 }), issuer.privateKey)}`,
    'RS256 wrong audience': () =>
      `Bearer ${rs(RS, claims(t.id, ['TENANT_ADMIN'], { aud: 'other-api' }), issuer.privateKey)}`,
    'RS256 wrong issuer': () => `Bearer ${rs(RS, claims(t.id, ['TENANT_ADMIN'], { iss: 'evil' }), issuer.privateKey)}`,
    'RS256 tampered payload': () => {
      const [h, , s] = rs(RS, claims(t.id, ['STAFF']), issuer.privateKey).split('.');
      return `Bearer ${h}.${b64(claims(t.id, ['PLATFORM_ADMIN']))}.${s}`;
    },
    'RS256 roles not an array': () => `Bearer ${rs(RS, claims(t.id, 'PLATFORM_ADMIN'), issuer.privateKey)}`,
    'RS256 tenant role without tenant_id': () => `Bearer ${rs(RS, claims(null, ['STAFF']), issuer.privateKey)}`,
    'RS256 for a tenant that does not exist': () =>
      `Bearer ${rs(RS, claims(randomUUID(), ['TENANT_ADMIN']), issuer.privateKey)}`,
  };

  for (const [name, make] of Object.entries(cases)) {
    it(`${name}: UNAUTHENTICATED ${REASONS[name]} on HTTP, ingest and graphql-ws`, async () => {
      expectShut(await doors(k, make()), name, REASONS[name]);
    });
  }
});
