import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  type GraphQLField,
  type GraphQLNamedType,
} from 'graphql';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createChannels } from '../../src/channels/index.js';
import type { Channels } from '../../src/channels/channel.types.js';
import { generateKey } from '../../src/crypto.js';
import { createLogger } from '../../src/logger.js';
import { redactSecrets } from '../../src/redact.js';
import { sendWhatsAppWebhook, whatsappStatusPayload } from '../fakes/whatsapp.js';
import { eventually, JWT, platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleData } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';
import { wsInitWithToken, type GqlSocket } from '../helpers/ws.js';

// No secret ever leaves Kabar: not in a log line (at trace level), not in an API answer (every field
// the schema exposes, audit entries' details included, and subscription payloads), not in an audit
// row. Including when providers misbehave by echoing the request (credentials and all) in their errors.

const WA_TOKEN = `wa-${randomUUID()}`;
const ENCRYPTION_KEY = generateKey();
const MARK = 'ECHOED-REQUEST';

/**
 * A hostile provider: answers every call with an error that repeats the request, headers and body,
 * in the provider's own error format (WhatsApp/Meta, 360dialog, Twilio, FCM) or as raw text on a 502.
 */
async function startEchoProvider(): Promise<{ url: string; server: Server; calls: number }> {
  const state = { calls: 0, messages: 0 };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.calls++;
      const body = Buffer.concat(chunks).toString('utf8');
      const auth = String(req.headers.authorization ?? '');
      const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
      const echo = `${MARK} ${JSON.stringify({ headers: req.headers, body, basic })}`;
      const json = (status: number, payload: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      const url = req.url ?? '';
      if (url.startsWith('/messages')) {
        // First a gateway error page with the request in it (transient: retried), then Meta's error.
        if (++state.messages % 2 === 1)
          return res.writeHead(502, { 'content-type': 'text/plain' }).end(`Bad gateway. ${echo}`);
        return json(400, {
          error: {
            message: '(#100) Invalid parameter',
            type: 'OAuthException',
            code: 100,
            error_data: { messaging_product: 'whatsapp', details: echo },
          },
        });
      }
      if (url.startsWith('/v1/configs/webhook'))
        return json(401, {
          meta: {
            success: false,
            http_code: 401,
            developer_message: `Invalid api key ${req.headers['d360-api-key']}: ${echo}`,
          },
        });
      if (url.includes('/Messages.json'))
        return json(401, {
          code: 20003,
          message: `Authenticate ${basic}: ${echo}`,
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        });
      if (url.includes('messages:send'))
        return json(401, {
          error: {
            code: 401,
            message: `Request had invalid authentication credentials (${auth}): ${echo}`,
            status: 'UNAUTHENTICATED',
          },
        });
      // SES (the AWS query API): its XML error.
      const xml = echo.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      return res
        .writeHead(403, { 'content-type': 'text/xml' })
        .end(
          `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>${xml}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    get calls() {
      return state.calls;
    },
  } as never;
}

/** Real adapters; each channel talks to the fakes or to the echoing provider, as the test says. */
function switchable(good: Channels, evil: Channels) {
  const mode = { evil: false };
  const pick = () => (mode.evil ? evil : good);
  const channels: Channels = {
    whatsapp: {
      send: (m) => pick().whatsapp.send(m),
      sendText: (m) => pick().whatsapp.sendText(m),
      registerWebhook: (k, u, s) => pick().whatsapp.registerWebhook(k, u, s),
    },
    email: { send: (m) => pick().email.send(m) },
    sms: { send: (m) => pick().sms.send(m) },
    push: { send: (m) => pick().push.send(m) },
  };
  return { channels, mode };
}

/** A selection of every field (leaf fields, and objects down to `depth`) of a type, skipping fields that need arguments. */
function selectAll(type: GraphQLNamedType, depth: number): string {
  if (isLeafType(type)) return '';
  if (!isObjectType(type) && !isInterfaceType(type)) return '{ __typename }';
  const parts: string[] = [];
  for (const f of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    if (f.args.some((a) => isNonNullType(a.type))) continue;
    const named = getNamedType(f.type);
    if (isLeafType(named)) parts.push(f.name);
    else if (depth > 0) parts.push(`${f.name} ${selectAll(named, depth - 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

describe('redactSecrets', () => {
  const secret = 'tok_9f8e7d6c5b4a/+=';
  it('removes a secret as is, URL-encoded, JSON-escaped, base64 and cut short by an excerpt', () => {
    const text = [
      secret,
      encodeURIComponent(secret),
      JSON.stringify(`"${secret}"`),
      Buffer.from(secret).toString('base64'),
      `key=${secret.slice(0, 9)}…`,
    ].join(' | ');
    expect(redactSecrets(text, [secret])).toBe(
      '[redacted] | [redacted] | "\\"[redacted]\\"" | [redacted] | key=[redacted]…',
    );
  });
  it('leaves text alone when no secret is in it, and ignores empty or short values', () => {
    expect(redactSecrets('401: Invalid api key', [secret, '', null, undefined, 'short'])).toBe('401: Invalid api key');
    expect(redactSecrets('a short one: abc…', ['abcdefghij', 'abc'])).toBe('a short one: abc…');
  });
});

describe('secrets never leave Kabar', () => {
  let k: TestKabar;
  let p: Providers;
  let echo: Awaited<ReturnType<typeof startEchoProvider>>;
  let evilMode: { evil: boolean };
  let t: TestTenant;
  let platform: string;
  let webhookSecret: string;
  let socket: GqlSocket;
  const logs: string[] = [];
  const responses: string[] = [];

  /** GraphQL over HTTP, keeping the raw answer. */
  async function call(token: string | null, query: string, variables?: Record<string, unknown>) {
    const res = await fetch(k.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token !== null ? { authorization: token.includes(' ') ? token : `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    responses.push(text);
    return JSON.parse(text) as { data: any; errors?: { message: string; extensions: { code: string } }[] };
  }

  const secrets = () => ({
    'WhatsApp token': WA_TOKEN,
    'JWT secret': JWT.secret,
    'encryption key': ENCRYPTION_KEY,
    '360dialog webhook secret': webhookSecret,
    'SMS auth token': p.sms.authToken,
    'SMS basic credentials': Buffer.from(`${p.sms.accountSid}:${p.sms.authToken}`).toString('base64'),
    'FCM access token': p.env.FCM_ACCESS_TOKEN!,
  });

  function expectClean(where: string, texts: string[]) {
    expect(texts.length, `${where}: something to look at`).toBeGreaterThan(0);
    for (const [name, value] of Object.entries(secrets())) {
      expect(value.length, name).toBeGreaterThanOrEqual(16);
      const hits = texts.filter((x) => x.includes(value));
      expect(hits, `${name} found in ${where}`).toEqual([]);
    }
  }

  async function settled(eventId: string, count: number) {
    return eventually(async () => {
      const res = await call(
        t.admin,
        'query($e: String) { deliveries(first: 50, filter: { eventId: $e }) { edges { node { id channel status reason } } } }',
        { e: eventId },
      );
      const rows = res.data.deliveries.edges.map((e: any) => e.node);
      expect(rows).toHaveLength(count);
      expect(rows.every((r: any) => r.status !== 'QUEUED')).toBe(true);
      return rows as { id: string; channel: string; status: string; reason: string | null }[];
    }, 15_000);
  }

  async function publish(type: string) {
    const input = {
      id: `evt-${randomUUID()}`,
      type,
      occurredAt: new Date().toISOString(),
      data: sampleData(type, { pushTokens: [`push-${randomUUID()}`] }),
    };
    const res = await call(t.service, 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }', {
      input,
    });
    expect(res.errors).toBeUndefined();
    return input.id;
  }

  beforeAll(async () => {
    p = await startProviders();
    echo = await startEchoProvider();
    const evil = createChannels({
      whatsapp: { baseUrl: echo.url, timeoutMs: 2000 },
      email: {
        region: 'ap-southeast-1',
        endpoint: echo.url,
        from: 'no-reply@klinik.example',
        timeoutMs: 2000,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      },
      sms: {
        baseUrl: echo.url,
        accountSid: p.sms.accountSid,
        authToken: p.sms.authToken,
        from: '+15005550006',
        timeoutMs: 2000,
      },
      push: { baseUrl: echo.url, projectId: p.fcm.projectId, accessToken: p.env.FCM_ACCESS_TOKEN!, timeoutMs: 2000 },
    });
    const sw = switchable(p.channels, evil);
    evilMode = sw.mode;
    const logger = createLogger('trace', { write: (line: string) => void logs.push(line) });
    k = await startKabar({
      channels: sw.channels,
      logger,
      env: {
        ...p.env,
        KABAR_ENCRYPTION_KEY: ENCRYPTION_KEY,
        KABAR_RETRY_BASE_MS: '20',
        KABAR_MAX_SEND_ATTEMPTS: '2',
        LOG_LEVEL: 'trace',
      },
    });
    platform = await platformToken();
    t = await k.newTenant();
  });
  afterAll(async () => {
    await socket?.close();
    await k?.stop();
    await p?.close();
    await new Promise((r) => echo?.server.close(r));
  });

  it('runs the whole life of a tenant, with providers that echo credentials, bad tokens and failing calls', async () => {
    // A subscriber sees every status change of the run.
    const ws = await wsInitWithToken(k.url, t.admin);
    if (!ws.acked) throw new Error('socket refused');
    socket = ws.socket;
    socket.subscribe(
      'all',
      `subscription { deliveryStatusChanged ${selectAll(k.app.schema.getType('Delivery')!, 2)} }`,
    );

    // Configuration: WhatsApp on, with a token; price, credit, staff, every channel for the event.
    const from = new Date(Date.UTC(2020, 0, 1) + Math.floor(Math.random() * 1e6) * 60_000).toISOString();
    expect(
      (
        await call(
          platform,
          'mutation($from: DateTime!) { setWhatsAppPrice(input: { country: "ID", currency: "IDR", category: UTILITY, pricePerMessage: "350", effectiveFrom: $from }) { id } }',
          { from },
        )
      ).errors,
    ).toBeUndefined();
    await call(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { key } }');
    p.whatsapp.issueKey(WA_TOKEN);
    const cfg = await call(
      t.admin,
      'mutation($tok: String) { upsertWhatsAppConfig(input: { senderNumber: "+6281100000000", token: $tok, country: "ID", currency: "IDR", isActive: true }) { tokenSet } }',
      { tok: WA_TOKEN },
    );
    expect(cfg).toEqual({ data: { upsertWhatsAppConfig: { tokenSet: true } } });
    await eventually(() => expect(p.whatsapp.webhooks).toHaveLength(1));
    expect(p.whatsapp.webhooks[0]!.apiKey).toBe(WA_TOKEN);
    webhookSecret = p.whatsapp.webhooks[0]!.headers['X-Kabar-Webhook-Secret']!;
    expect(webhookSecret).toMatch(/^[A-Za-z0-9_-]{32}$/); // 24 random bytes, base64url (src/services/whatsapp.service.ts)
    const purchase = (await call(t.admin, 'mutation { requestCreditPurchase(amount: "100000") { id } }')).data
      .requestCreditPurchase.id;
    await call(platform, 'mutation($id: ID!) { confirmCreditPurchase(id: $id, reference: "PAY-1") { status } }', {
      id: purchase,
    });
    await call(
      t.admin,
      'mutation { upsertStaffMember(input: { name: "Admin", email: "admin@rs.example", phone: "+6281298765432", departments: ["admin"] }) { id } }',
    );
    expect(
      (
        await call(
          t.admin,
          'mutation { setEventChannels(eventType: "appointment.confirmed", channels: [WHATSAPP, EMAIL, SMS, PUSH]) { channels } }',
        )
      ).data.setEventChannels.channels,
    ).toHaveLength(4);

    // Dispatch through well-behaved providers: all four channels sent.
    const good = await publish('appointment.confirmed');
    const sent = await settled(good, 4);
    expect(sent.map((d) => [d.channel, d.status]).sort()).toEqual([
      ['EMAIL', 'SENT'],
      ['PUSH', 'SENT'],
      ['SMS', 'SENT'],
      ['WHATSAPP', 'SENT'],
    ]);
    expect(p.sms.received).toHaveLength(1);
    // Provider webhooks: the right secret, a wrong one, a signed Twilio callback.
    const wa = p.whatsapp.received[0]!;
    const hook = `${k.url.replace(/\/graphql$/, '')}/webhooks/whatsapp/${t.id}`;
    expect(
      (
        await sendWhatsAppWebhook(
          hook,
          webhookSecret,
          whatsappStatusPayload([{ id: wa.messageId, status: 'delivered' }]),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await sendWhatsAppWebhook(
          hook,
          `${webhookSecret}x`,
          whatsappStatusPayload([{ id: wa.messageId, status: 'read' }]),
        )
      ).status,
    ).toBe(401);
    expect((await p.sms.sendStatus(p.sms.received[0]!.sid, 'delivered')).status).toBe(200);

    // Providers turn hostile: every error repeats the request, credentials included.
    evilMode.evil = true;
    const again = await call(
      t.admin,
      'mutation { upsertWhatsAppConfig(input: { senderNumber: "+6281100000000", country: "ID", currency: "IDR", isActive: true }) { tokenSet } }',
    );
    expect(again).toEqual({ data: { upsertWhatsAppConfig: { tokenSet: true } } });
    const bad = await publish('appointment.confirmed');
    const failed = await settled(bad, 4);
    expect(failed.map((d) => [d.channel, d.status]).sort()).toEqual([
      ['EMAIL', 'FAILED'],
      ['PUSH', 'FAILED'],
      ['SMS', 'FAILED'],
      ['WHATSAPP', 'FAILED'],
    ]);
    // The providers' words are kept (PROVIDERS.md), the credentials in them are not.
    for (const d of failed) expect(d.reason, d.channel).toContain(MARK);
    for (const d of failed) {
      const retried = await call(t.admin, 'mutation($id: ID!) { retryDelivery(id: $id) { status } }', { id: d.id });
      expect(retried.data.retryDelivery.status).toBe('QUEUED');
    }
    await settled(bad, 4);
    // Exactly: the webhook registration (1); the first round, WhatsApp 502 then 400 after one retry, and one
    // permanent refusal each from SES, Twilio and FCM (2 + 3); the same again after retryDelivery (5).
    expect(echo.calls).toBe(11);

    // Bad tokens and failing calls.
    for (const token of [
      WA_TOKEN,
      `Bearer ${WA_TOKEN}`,
      `Bearer ${webhookSecret}`,
      'Bearer not-a-jwt',
      `Bearer ${JWT.secret}`,
    ]) {
      const res = await call(token, 'query { tenant { id } }');
      expect(res.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
    const failing: [string, Record<string, unknown>, string][] = [
      [
        'mutation($t: String) { upsertWhatsAppConfig(input: { senderNumber: "+6281100000000", token: $t, country: "ID", currency: "IDR", isActive: true }) { tokenSet } }',
        { t: `${WA_TOKEN} with spaces` },
        'BAD_USER_INPUT',
      ],
      [
        'mutation($t: String) { upsertWhatsAppConfig(input: { senderNumber: "+6281100000000", token: $t, country: "ID", currency: "USD", isActive: true }) { tokenSet } }',
        { t: WA_TOKEN },
        'BAD_USER_INPUT',
      ],
      [
        'mutation($t: String) { upsertWhatsAppConfig(input: { senderNumber: "not a phone", token: $t, country: "ID", currency: "IDR", isActive: true }) { tokenSet } }',
        { t: WA_TOKEN },
        'BAD_USER_INPUT',
      ],
      [
        'mutation($i: WhatsAppConfigInput!) { upsertWhatsAppConfig(input: $i) { tokenSet } }',
        { i: { senderNumber: '+6281100000000', token: WA_TOKEN, country: 'ID', currency: 'IDR', isActive: 'yes' } },
        'BAD_USER_INPUT',
      ],
    ];
    for (const [query, variables, expected] of failing) {
      const res = await call(t.admin, query, variables);
      expect(res.errors?.[0]?.extensions.code, query).toBe(expected);
    }
    const asStaff = await call(
      t.staff,
      'mutation($t: String) { upsertWhatsAppConfig(input: { senderNumber: "+6281100000000", token: $t, country: "ID", currency: "IDR", isActive: true }) { tokenSet } }',
      { t: WA_TOKEN },
    );
    expect(asStaff.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    evilMode.evil = false;
  });

  it('reading every field the API exposes, as every role, shows none of them', async () => {
    const s = k.app.schema;
    const anyDelivery = (await call(t.admin, 'query { deliveries(first: 1) { edges { node { id } } } }')).data
      .deliveries.edges[0].node.id;
    const args: Record<string, string> = {
      referenceData: '(key: "WhatsApp_Notification")',
      effectiveWhatsAppPrice: '(country: "ID", currency: "IDR", category: UTILITY)',
      delivery: `(id: "${anyDelivery}")`,
      eventSchema: '(type: "appointment.confirmed")',
      deliveries: '(first: 100)',
      auditLog: '(first: 100)',
      creditTransactions: '(first: 100)',
    };
    // One request per field (a refused non-null field would blank its siblings), as every kind of caller.
    const fields = Object.values(s.getQueryType()!.getFields());
    const seen: Record<string, any> = {};
    for (const token of [t.admin, t.support, t.staff, t.service, platform, await k.token(t.id, ['PLATFORM_ADMIN'])]) {
      for (const f of fields) {
        const res = await call(token, `query { ${f.name}${args[f.name] ?? ''} ${selectAll(getNamedType(f.type), 4)} }`);
        if (token === t.admin) seen[f.name] = res.data?.[f.name];
      }
    }
    expect(Object.keys(seen)).toHaveLength(fields.length);
    // The administrator's answers really hold what we look into: audit details, failure reasons, the config.
    expect(seen.whatsAppConfig.tokenSet).toBe(true);
    expect(seen.auditLog.edges.map((e: any) => e.node.action)).toEqual(
      expect.arrayContaining(['config.whatsapp.create', 'config.whatsapp.update', 'delivery.retry', 'delivery.failed']),
    );
    expect(JSON.stringify(seen.auditLog)).toContain(MARK);
    expect(JSON.stringify(seen.deliveries)).toContain(MARK);
    expect(JSON.stringify(seen.deliveries)).toContain('[redacted]');
    expectClean('API answers', responses);
  });

  // graphql-js words a variable it cannot coerce as `Variable "$i" got invalid value { …the whole input… }`,
  // token included: src/graphql/graphql-errors.ts keeps only the reason.
  it('a variable GraphQL cannot coerce is not echoed back, token and all', async () => {
    const doc = 'mutation($i: WhatsAppConfigInput!) { upsertWhatsAppConfig(input: $i) { tokenSet } }';
    const texts: string[] = [];
    for (const i of [
      { senderNumber: '+6281100000000', token: WA_TOKEN, country: 'ID', currency: 'IDR', isActive: true, extra: 1 },
      { token: WA_TOKEN, country: 'ID', currency: 'IDR', isActive: true },
    ]) {
      const res = await fetch(k.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.admin}` },
        body: JSON.stringify({ query: doc, variables: { i } }),
      });
      const text = await res.text();
      expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      texts.push(text);
    }
    expectClean('answers to uncoercible variables', texts);
  });

  it('subscription payloads carry none of them', async () => {
    // Every status change of the life above, each once: count it exactly, then again a moment later (none late).
    await eventually(() => expect(socket.of('all')).toHaveLength(20));
    await new Promise((r) => setTimeout(r, 500));
    expect(socket.of('all')).toHaveLength(20);
    expect(JSON.stringify(socket.of('all'))).toContain(MARK);
    expectClean(
      'subscription payloads',
      socket.of('all').map((m) => JSON.stringify(m)),
    );
  });

  it('no log line holds one, at trace level, whatever happened', async () => {
    const all = logs.join('');
    // The log really saw the run: sends, provider rejections with the providers' words, the webhook registration failure.
    expect(all).toContain('"msg":"delivery sent"');
    expect(all).toContain('"msg":"provider rejected the message"');
    expect(all).toContain('WhatsApp webhook registration failed');
    expect(all).toContain(MARK);
    expectClean('log lines', logs);
  });

  it('no audit row, delivery or history row in the database holds one', async () => {
    const sql = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
    try {
      const audit =
        await sql`select row_to_json(a)::text as row from audit_log a where tenant_id = ${t.id} or tenant_id is null`;
      expect(audit.map((r) => r.row).join('\n')).toContain('tokenChanged');
      expectClean(
        'audit_log rows',
        audit.map((r) => r.row as string),
      );
      const rows = await sql`select row_to_json(d)::text as row from deliveries d where tenant_id = ${t.id}
        union all select row_to_json(h)::text from delivery_status_history h where tenant_id = ${t.id}
        union all select row_to_json(c)::text from credit_transactions c where tenant_id = ${t.id}`;
      expect(rows.map((r) => r.row).join('\n')).toContain(MARK);
      expectClean(
        'delivery, history and ledger rows',
        rows.map((r) => r.row as string),
      );
    } finally {
      await sql.end();
    }
  });
});
