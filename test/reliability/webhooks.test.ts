import { randomBytes, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { sendTwilioCallback, twilioSignature } from '../fakes/sms.js';
import {
  createSnsSigner,
  postSnsEnvelope,
  sesBounceMessage,
  sesDeliveryMessage,
  sesSendEvent,
  startSnsConfirmationServer,
  type SnsEnvelope,
} from '../fakes/sns.js';
import { sendWhatsAppWebhook, whatsappStatusPayload, type WhatsAppStatusSpec } from '../fakes/whatsapp.js';
import {
  eventually,
  platformToken,
  setTestPrices,
  startKabar,
  type TestKabar,
  type TestTenant,
} from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// Provider webhooks under attack. Two tenants, A and B, each with WhatsApp, SMS and email
// deliveries really SENT through the fake providers. Every unsigned, forged, replayed,
// other-tenant, unknown-tenant, malformed or oversized call gets an exact HTTP answer and changes
// NOTHING: deliveries (every column), their full status history, the credit ledger and balances,
// the audit log, and (for calls that fail authentication) not even the replay fingerprints, so a
// forger cannot make a later genuine call look like a replay. Each group ends with its positive
// control: the same call, correctly authenticated, does change the state (so the test can fail).

const WA_TOKEN = 'd360-key-webhook-attacks';
const PRICE = 350.5;
const REGION = 'ap-southeast-1';
const OTHER_TOPIC = `arn:aws:sns:${REGION}:999999999999:attacker-topic`;

type Row = Record<string, any>;
interface State {
  deliveries: Row[];
  history: Row[];
  ledger: Row[];
  balances: Row[];
  audit: Row[];
  receipts: Row[];
}

interface Side {
  t: TestTenant;
  secret: string;
  /** POST /webhooks/whatsapp/<tenant> */
  waHook: string;
  /** POST /webhooks/sms/<tenant> (no query) */
  smsHook: string;
  wa: Row[];
  email: Row[];
  sms: Row[];
  /** The StatusCallback each SMS was sent with (names the delivery in ?delivery=). */
  smsCallback: string[];
}

describe('webhooks: unsigned, forged, replayed or other-tenant calls are rejected and change nothing', () => {
  let p: Providers;
  let k: TestKabar;
  let sql: postgres.Sql;
  let base: string;
  let sesHook: string;
  let A: Side;
  let B: Side;
  let confirmations: Awaited<ReturnType<typeof startSnsConfirmationServer>>;
  const aws = createSnsSigner({ region: REGION }); // stands in for AWS's own SNS key and certificate
  const attacker = createSnsSigner({ region: REGION }); // someone else's key
  const certFetches: string[] = [];
  /** Every URL Kabar (or anyone in this process) fetched off loopback; answered here, never sent. */
  const outbound: string[] = [];
  const realFetch = globalThis.fetch;

  // The certificate hosts as the world would serve them: AWS's host serves AWS's certificate only;
  // any other host is the attacker's and serves the attacker's certificate.
  const serveCert = async (url: string): Promise<string> => {
    certFetches.push(url);
    let host = '';
    try {
      host = new URL(url).hostname;
    } catch {
      /* not a URL */
    }
    if (/^sns\.[a-z0-9-]+\.amazonaws\.com$/.test(host)) {
      if (url === aws.certUrl) return aws.certPem;
      throw new Error(`404 ${url}`);
    }
    return attacker.certPem;
  };

  // ---- state snapshots ----------------------------------------------------------------------

  async function state(): Promise<State> {
    const [a, b] = [A.t.id, B.t.id];
    const rows = async (q: Promise<Row[]>) => (await q).map((r) => r.r as Row);
    return {
      deliveries: await rows(
        sql`select row_to_json(x) as r from deliveries x where tenant_id in (${a}, ${b}) order by seq`,
      ),
      history: await rows(
        sql`select row_to_json(x) as r from delivery_status_history x where tenant_id in (${a}, ${b}) order by id`,
      ),
      ledger: await rows(
        sql`select row_to_json(x) as r from credit_transactions x where tenant_id in (${a}, ${b}) order by seq`,
      ),
      balances: await rows(
        sql`select row_to_json(x) as r from credit_balances x where tenant_id in (${a}, ${b}) order by tenant_id`,
      ),
      audit: await rows(sql`select row_to_json(x) as r from audit_log x where tenant_id in (${a}, ${b}) order by seq`),
      // Fingerprints are unique per tenant: the same call may be recorded under A and under B.
      receipts: (
        await rows(
          sql`select row_to_json(x) as r from webhook_receipts x where tenant_id in (${a}, ${b}) order by tenant_id, digest`,
        )
      ).map((r) => ({ ...r, key: `${r.tenant_id}:${r.digest}` })),
    };
  }

  const byId = (rows: Row[], key = 'id') => new Map(rows.map((r) => [String(r[key]), r]));

  /** What changed between two snapshots: changed columns of deliveries and balances, rows added to the append-only tables. */
  function diff(before: State, after: State) {
    const changed = (b: Row[], a: Row[], key: string) => {
      const old = byId(b, key);
      expect(a.map((r) => r[key]).sort(), 'no row appears or disappears').toEqual(b.map((r) => r[key]).sort());
      return a.flatMap((row) => {
        const prev = old.get(String(row[key]))!;
        const cols = Object.keys(row).filter(
          (c) => c !== 'updated_at' && JSON.stringify(row[c]) !== JSON.stringify(prev[c]),
        );
        return cols.length ? [{ [key]: row[key], ...Object.fromEntries(cols.map((c) => [c, [prev[c], row[c]]])) }] : [];
      });
    };
    const added = (b: Row[], a: Row[], key: string) => {
      const old = byId(b, key);
      expect(
        b.every((r) => JSON.stringify(a.find((x) => x[key] === r[key])) === JSON.stringify(r)),
        'append-only rows never change',
      ).toBe(true);
      return a.filter((r) => !old.has(String(r[key])));
    };
    return {
      deliveries: changed(before.deliveries, after.deliveries, 'id'),
      balances: changed(before.balances, after.balances, 'tenant_id'),
      history: added(before.history, after.history, 'id').map((h) => ({
        delivery_id: h.delivery_id,
        status: h.status,
        reason: h.reason,
      })),
      ledger: added(before.ledger, after.ledger, 'id').map((l) => ({
        tenant_id: l.tenant_id,
        kind: l.kind,
        amount: l.amount,
        delivery_id: l.delivery_id,
        note: l.note,
      })),
      audit: added(before.audit, after.audit, 'id').map((x) => ({
        tenant_id: x.tenant_id,
        action: x.action,
        entity_id: x.entity_id,
      })),
      receipts: added(before.receipts, after.receipts, 'key').map((r) => r.tenant_id as string),
    };
  }

  async function answer(res: Response): Promise<{ status: number; body: unknown }> {
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: compared as text */
    }
    return { status: res.status, body };
  }

  /**
   * Runs an attack; its answer must be exactly `status` and `body`, and nothing may change. A call
   * that passed authentication (a provider's own, naming the wrong things) leaves its fingerprint
   * under `fingerprintFor`; any other call leaves none.
   */
  async function changesNothing(
    label: string,
    attack: () => Promise<Response>,
    status: number,
    body: unknown,
    fingerprintFor?: Side,
  ): Promise<void> {
    const before = await state();
    const res = await answer(await attack());
    expect(res, label).toEqual({ status, body });
    const after = await state();
    const { receipts: rb, ...b } = before;
    const { receipts: ra, ...a } = after;
    expect(a, `${label}: deliveries, history, ledger, balances and audit are unchanged`).toEqual(b);
    expect(diff(before, after).receipts, `${label}: fingerprints`).toEqual(fingerprintFor ? [fingerprintFor.t.id] : []);
    expect(ra.length - rb.length, label).toBe(fingerprintFor ? 1 : 0);
  }

  /** Runs a genuine call; returns its answer and what it changed. */
  async function accepted(call: () => Promise<Response>) {
    const before = await state();
    const res = await answer(await call());
    return { res, changes: diff(before, await state()) };
  }

  /** The whole change a genuine status report makes to a SENT SMS or email (no money moves). */
  const moved = (side: Side, d: Row, to: string, reason: string | null = null) => ({
    deliveries: [{ id: d.id, status: ['SENT', to], ...(reason ? { reason: [null, reason] } : {}) }],
    balances: [],
    history: [{ delivery_id: d.id, status: to, reason }],
    ledger: [],
    audit: [{ tenant_id: side.t.id, action: `delivery.${to.toLowerCase()}`, entity_id: d.id }],
    receipts: [side.t.id],
  });
  const refundOf = async (d: Row) =>
    (await sql`select id from credit_transactions where delivery_id = ${d.id} and kind = 'REFUND'`)[0]!.id as string;
  const status = (d: Row) => ({ status: d.status, reason: d.reason, providerMessageId: d.provider_message_id });
  const current = async (d: Row) =>
    status((await sql`select * from deliveries where id = ${d.id}`).map((r) => ({ ...r }))[0]!);

  // ---- provider calls ----------------------------------------------------------------------

  const waFailed = (d: Row, over: Partial<WhatsAppStatusSpec> = {}) =>
    whatsappStatusPayload([
      {
        id: d.provider_message_id,
        status: 'failed',
        timestamp: 1_790_000_000,
        errors: [{ code: 131026, title: 'Message undeliverable' }],
        callbackData: d.id,
        ...over,
      },
    ]);
  const waDelivered = (d: Row) =>
    whatsappStatusPayload([
      { id: d.provider_message_id, status: 'delivered', timestamp: 1_790_000_100, callbackData: d.id },
    ]);
  const postWa = (url: string, headers: [string, string][], body: string, contentType = 'application/json') => {
    const h = new Headers({ 'content-type': contentType });
    for (const [name, value] of headers) h.append(name, value);
    return fetch(url, { method: 'POST', headers: h, body });
  };

  const twilioParams = (sid: string, messageStatus = 'delivered'): Record<string, string> => ({
    AccountSid: p.sms.accountSid,
    ApiVersion: '2010-04-01',
    From: '+15005550006',
    To: '+6281234567890',
    MessageSid: sid,
    SmsSid: sid,
    MessageStatus: messageStatus,
    SmsStatus: messageStatus,
  });
  /** A form POST with whatever signature header the attacker chooses (null: none). */
  const postSms = (url: string, params: Record<string, string> | string, signature: string | null) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature !== null ? { 'x-twilio-signature': signature } : {}),
      },
      body: typeof params === 'string' ? params : new URLSearchParams(params).toString(),
    });

  /** An SNS Notification carrying an SES event, signed by `signer` (AWS unless said otherwise). */
  const notification = (
    message: object,
    over: { TopicArn?: string; Timestamp?: string; MessageId?: string } = {},
    signer = aws,
    version: 1 | 2 = 1,
  ) =>
    signer.sign(
      {
        Type: 'Notification' as const,
        MessageId: over.MessageId ?? randomUUID(),
        TopicArn: over.TopicArn ?? aws.topicArn,
        Message: JSON.stringify(message),
        Timestamp: over.Timestamp ?? new Date().toISOString(),
        UnsubscribeURL: `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${aws.topicArn}:${randomUUID()}`,
      },
      version,
    );
  const withTags = (message: Row, tags: Record<string, string>) => ({
    ...message,
    mail: { ...message.mail, tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [v]])) },
  });
  const bounce = (d: Row) => sesBounceMessage(d.provider_message_id, 'Permanent', 'General', d.recipient);
  const BOUNCE_REASON = 'Bounce Permanent/General: smtp; 550 5.1.1 user unknown';
  const postSes = (envelope: unknown) =>
    envelope !== null && typeof envelope === 'object' && !Array.isArray(envelope)
      ? postSnsEnvelope(sesHook, envelope as SnsEnvelope)
      : fetch(sesHook, {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=UTF-8' },
          body: JSON.stringify(envelope),
        });
  const confirmation = (subscribeUrlBase: string, topicArn = aws.topicArn, signer = aws) => {
    const token = randomBytes(32).toString('hex');
    return signer.sign({
      Type: 'SubscriptionConfirmation' as const,
      MessageId: randomUUID(),
      Token: token,
      TopicArn: topicArn,
      Message: `You have chosen to subscribe to the topic ${topicArn}.`,
      SubscribeURL: `${subscribeUrlBase}?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`,
      Timestamp: new Date().toISOString(),
    });
  };
  const subscribeFetches = () => outbound.filter((u) => u.includes('Action=ConfirmSubscription'));

  // ---- fixture ----------------------------------------------------------------------------

  async function readyTenant(platform: string): Promise<Side> {
    const t = await k.newTenant();
    await k.gql(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { key } }');
    p.whatsapp.issueKey(WA_TOKEN);
    const cfg = await k.gql(
      t.admin,
      `mutation { upsertWhatsAppConfig(input: { senderNumber: "+6281100000000", token: "${WA_TOKEN}", country: "ID", currency: "IDR", isActive: true }) { tokenSet } }`,
    );
    expect(cfg.errors).toBeUndefined();
    const req = await k.gql(t.admin, 'mutation { requestCreditPurchase(amount: "100000") { id } }');
    await k.gql(platform, 'mutation($id: ID!) { confirmCreditPurchase(id: $id) { status } }', {
      id: req.data.requestCreditPurchase.id,
    });
    const registration = await eventually(() => {
      const r = p.whatsapp.webhooks.find((w) => w.url === `${base}/webhooks/whatsapp/${t.id}`);
      expect(r).toBeDefined();
      return r!;
    });
    const secret = registration.headers['X-Kabar-Webhook-Secret']!;
    expect(secret).toMatch(/^.{16,}$/);

    const rowsOf = async (type: string, count: number) => {
      const e = sampleEvent(type);
      const res = await k.gql(t.service, 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }', {
        input: e,
      });
      expect(res.errors).toBeUndefined();
      return eventually(async () => {
        const rows = (
          await sql`select * from deliveries where tenant_id = ${t.id} and event_id = ${e.id} order by channel`
        ).map((r) => ({ ...r }));
        expect(rows).toHaveLength(count);
        expect(rows.every((r) => r.status !== 'QUEUED')).toBe(true);
        return rows;
      });
    };
    const side: Side = {
      t,
      secret,
      waHook: `${base}/webhooks/whatsapp/${t.id}`,
      smsHook: `${base}/webhooks/sms/${t.id}`,
      wa: [],
      email: [],
      sms: [],
      smsCallback: [],
    };
    for (let i = 0; i < 3; i++) {
      const rows = await rowsOf('report.ready', 2);
      side.wa.push(rows.find((r) => r.channel === 'WHATSAPP')!);
      side.email.push(rows.find((r) => r.channel === 'EMAIL')!);
    }
    for (let i = 0; i < 2; i++)
      side.sms.push((await rowsOf('walkin.token_called', 2)).find((r) => r.channel === 'SMS')!);
    for (const d of [...side.wa, ...side.email, ...side.sms]) {
      expect(d.status, `${d.channel} ${d.reason}`).toBe('SENT');
      expect(d.provider_message_id).toEqual(expect.any(String));
    }
    side.smsCallback = side.sms.map(
      (d) => p.sms.received.find((m) => m.sid === d.provider_message_id)!.statusCallback!,
    );
    side.smsCallback.forEach((url, i) => expect(url).toBe(`${side.smsHook}?delivery=${side.sms[i]!.id}`));
    return side;
  }

  beforeAll(async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const host = new URL(url).hostname;
      if (host === '127.0.0.1' || host === 'localhost') return realFetch(input, init);
      outbound.push(url);
      return new Response('<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"/>', {
        status: 200,
        headers: { 'content-type': 'text/xml' },
      });
    });
    p = await startProviders();
    confirmations = await startSnsConfirmationServer();
    k = await startKabar({
      channels: p.channels,
      env: { ...p.env, SNS_TOPIC_ARNS: aws.topicArn },
      snsFetchCert: serveCert,
    });
    sql = postgres(inject('databaseUrl'), { max: 2, onnotice: () => {} });
    base = k.url.replace(/\/graphql$/, '');
    sesHook = `${base}/webhooks/ses`;
    const platform = await platformToken();
    await setTestPrices(k);
    A = await readyTenant(platform);
    B = await readyTenant(platform);
  }, 120_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    await sql?.end();
    await k?.stop();
    await p?.close();
    await confirmations?.close();
  });

  it('fixture: A and B each have SENT WhatsApp, SMS and email deliveries with provider ids, charged, and the state is at rest', async () => {
    expect(A.secret).not.toBe(B.secret);
    expect(A.secret.toUpperCase()).not.toBe(A.secret.toLowerCase()); // the "another case" forgery really differs
    const s = await state();
    expect(s.deliveries.filter((d) => d.status === 'SENT' && d.provider_message_id)).toHaveLength(16);
    for (const side of [A, B]) {
      const debits = s.ledger.filter((l) => l.tenant_id === side.t.id && l.kind === 'DEBIT');
      expect(debits.map((l) => [l.delivery_id, l.amount]).sort()).toEqual(side.wa.map((d) => [d.id, -PRICE]).sort());
      expect(s.balances.find((b) => b.tenant_id === side.t.id)!.balance).toBe(100000 - 3 * PRICE);
    }
    expect(s.receipts).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await state()).toEqual(s);
  });

  // ---- WhatsApp (360dialog, per-tenant secret header) --------------------------------------

  describe('WhatsApp', () => {
    const invalid = { error: 'invalid webhook secret' };
    const swapCase = (x: string) =>
      [...x].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');

    it('unsigned and forged calls are 401 and change nothing; the same call with the secret fails and refunds; its replay changes nothing', async () => {
      const target = A.wa[0]!;
      const body = JSON.stringify(waFailed(target));
      const cases: [string, () => Promise<Response>][] = [
        ['no secret header', () => sendWhatsAppWebhook(A.waHook, null, JSON.parse(body))],
        ['empty secret header', () => postWa(A.waHook, [['X-Kabar-Webhook-Secret', '']], body)],
        ['wrong secret', () => postWa(A.waHook, [['X-Kabar-Webhook-Secret', 'not-the-secret']], body)],
        ["B's valid secret on A's URL", () => postWa(A.waHook, [['X-Kabar-Webhook-Secret', B.secret]], body)],
        [
          "A's secret with a character added",
          () => postWa(A.waHook, [['X-Kabar-Webhook-Secret', `${A.secret}x`]], body),
        ],
        [
          "A's secret with its last character dropped",
          () => postWa(A.waHook, [['X-Kabar-Webhook-Secret', A.secret.slice(0, -1)]], body),
        ],
        ["A's secret in another case", () => postWa(A.waHook, [['X-Kabar-Webhook-Secret', swapCase(A.secret)]], body)],
        [
          "A's secret sent twice (joined header)",
          () =>
            postWa(
              A.waHook,
              [
                ['X-Kabar-Webhook-Secret', A.secret],
                ['X-Kabar-Webhook-Secret', A.secret],
              ],
              body,
            ),
        ],
        [
          "A's secret in another header",
          () =>
            postWa(
              A.waHook,
              [
                ['X-Webhook-Secret', A.secret],
                ['Authorization', `Bearer ${A.secret}`],
              ],
              body,
            ),
        ],
        ["A's secret on B's URL", () => postWa(B.waHook, [['X-Kabar-Webhook-Secret', A.secret]], body)],
      ];
      for (const [label, attack] of cases) await changesNothing(label, attack, 401, invalid);

      // Positive control: the very same body with A's secret. No forged attempt left a fingerprint behind.
      const genuine = () => postWa(A.waHook, [['X-Kabar-Webhook-Secret', A.secret]], body);
      const { res, changes } = await accepted(genuine);
      expect(res).toEqual({ status: 200, body: { ok: true, applied: 1 } });
      const reason = '131026: Message undeliverable';
      expect(changes).toEqual({
        deliveries: [{ id: target.id, status: ['SENT', 'FAILED'], reason: [null, reason] }],
        balances: [{ tenant_id: A.t.id, balance: [100000 - 3 * PRICE, 100000 - 2 * PRICE] }],
        history: [{ delivery_id: target.id, status: 'FAILED', reason }],
        ledger: [
          { tenant_id: A.t.id, kind: 'REFUND', amount: PRICE, delivery_id: target.id, note: `Refund: ${reason}` },
        ],
        audit: [
          { tenant_id: A.t.id, action: 'delivery.failed', entity_id: target.id },
          { tenant_id: A.t.id, action: 'credit.refund', entity_id: await refundOf(target) },
        ],
        receipts: [A.t.id],
      });

      // The exact same valid call again: answered 200 (the provider must stop retrying), changes nothing.
      await changesNothing('replay', genuine, 200, { ok: true, applied: 0, replay: true });
      // Re-serialised with other whitespace it is the same call.
      await changesNothing(
        'replay, other whitespace',
        () => postWa(A.waHook, [['X-Kabar-Webhook-Secret', A.secret]], JSON.stringify(JSON.parse(body), null, 2)),
        200,
        { ok: true, applied: 0, replay: true },
      );
    });

    it("other-tenant: A's valid secret on A's URL cannot touch B's delivery by wamid or by delivery id", async () => {
      const victim = B.wa[0]!;
      const asA = (payload: unknown) => () => sendWhatsAppWebhook(A.waHook, A.secret, payload);
      await changesNothing(
        "B's wamid",
        asA(waFailed(victim, { callbackData: undefined })),
        200,
        { ok: true, applied: 0 },
        A,
      );
      await changesNothing("B's wamid and B's delivery id", asA(waFailed(victim)), 200, { ok: true, applied: 0 }, A);
      await changesNothing(
        "B's delivery id with an unknown wamid",
        asA(waFailed(victim, { id: `wamid.${randomBytes(24).toString('base64url')}` })),
        200,
        { ok: true, applied: 0 },
        A,
      );
      await changesNothing(
        "B's delivery id with an unknown wamid, delivered",
        asA(
          whatsappStatusPayload([
            { id: `wamid.${randomBytes(8).toString('hex')}`, status: 'delivered', callbackData: victim.id },
          ]),
        ),
        200,
        { ok: true, applied: 0 },
        A,
      );
      await changesNothing(
        "malformed delivery id with B's wamid",
        asA(waFailed(victim, { callbackData: "' or 1=1 --" })),
        200,
        { ok: true, applied: 0 },
        A,
      );
      expect(await current(victim)).toEqual({
        status: 'SENT',
        reason: null,
        providerMessageId: victim.provider_message_id,
      });

      // Positive control: B's own secret on B's URL, the same status: B's delivery fails and B is refunded (A untouched).
      const { res, changes } = await accepted(() => sendWhatsAppWebhook(B.waHook, B.secret, waFailed(victim)));
      expect(res).toEqual({ status: 200, body: { ok: true, applied: 1 } });
      const reason = '131026: Message undeliverable';
      expect(changes).toEqual({
        deliveries: [{ id: victim.id, status: ['SENT', 'FAILED'], reason: [null, reason] }],
        balances: [{ tenant_id: B.t.id, balance: [100000 - 3 * PRICE, 100000 - 2 * PRICE] }],
        history: [{ delivery_id: victim.id, status: 'FAILED', reason }],
        ledger: [
          { tenant_id: B.t.id, kind: 'REFUND', amount: PRICE, delivery_id: victim.id, note: `Refund: ${reason}` },
        ],
        audit: [
          { tenant_id: B.t.id, action: 'delivery.failed', entity_id: victim.id },
          { tenant_id: B.t.id, action: 'credit.refund', entity_id: await refundOf(victim) },
        ],
        receipts: [B.t.id],
      });
    });

    it('unknown tenants, malformed ids, bad and huge bodies are refused and change nothing', async () => {
      const payload = JSON.stringify(waFailed(A.wa[1]!));
      const withSecret =
        (url: string, body = payload, contentType = 'application/json') =>
        () =>
          postWa(url, [['X-Kabar-Webhook-Secret', A.secret]], body, contentType);
      await changesNothing('unknown tenant id', withSecret(`${base}/webhooks/whatsapp/${randomUUID()}`), 401, invalid);
      await changesNothing(
        'unknown tenant id, no secret',
        () => sendWhatsAppWebhook(`${base}/webhooks/whatsapp/${randomUUID()}`, null, JSON.parse(payload)),
        401,
        invalid,
      );
      for (const id of [
        'not-a-uuid',
        `${A.t.id}0`,
        A.t.id.slice(0, -1),
        A.t.id.replace(/-/g, ''),
        encodeURIComponent("' or 1=1 --"),
        `${A.t.id}%00`,
        `${A.t.id}%20`,
      ]) {
        await changesNothing(`malformed tenant id ${id}`, withSecret(`${base}/webhooks/whatsapp/${id}`), 404, {
          error: 'unknown tenant',
        });
      }
      await changesNothing(
        'body over 1 MB',
        withSecret(A.waHook, JSON.stringify({ ...JSON.parse(payload), pad: 'x'.repeat(1_100_000) })),
        413,
        { error: 'request body too large', code: 'PAYLOAD_TOO_LARGE', limit: 1_048_576 },
      );
      await changesNothing(
        'body over 1 MB, no secret',
        () => postWa(A.waHook, [], JSON.stringify({ pad: 'x'.repeat(1_100_000) })),
        413,
        { error: 'request body too large', code: 'PAYLOAD_TOO_LARGE', limit: 1_048_576 },
      );
      await changesNothing('not JSON', withSecret(A.waHook, '{"entry": ['), 400, {
        error: 'malformed request body',
        code: 'BAD_REQUEST',
      });
      await changesNothing('JSON as text/plain', withSecret(A.waHook, payload, 'text/plain'), 415, {
        error: 'expected application/json',
      });
      await changesNothing(
        'no content type',
        () =>
          fetch(A.waHook, {
            method: 'POST',
            headers: { 'X-Kabar-Webhook-Secret': A.secret },
            body: new Blob([payload]),
          }),
        415,
        { error: 'expected application/json' },
      );
      expect(await current(A.wa[1]!)).toEqual({
        status: 'SENT',
        reason: null,
        providerMessageId: A.wa[1]!.provider_message_id,
      });
    });
  });

  // ---- SMS (Twilio-style, X-Twilio-Signature) ----------------------------------------------

  describe('SMS', () => {
    const invalid = { error: 'invalid signature' };

    it('unsigned and forged callbacks are 401 and change nothing; the signed one moves the delivery; its replay changes nothing', async () => {
      const target = A.sms[0]!;
      const url = A.smsCallback[0]!;
      const params = twilioParams(target.provider_message_id);
      const token = p.sms.authToken;
      const sig = twilioSignature(token, url, params);
      const cases: [string, () => Promise<Response>][] = [
        ['no signature', () => postSms(url, params, null)],
        ['empty signature', () => postSms(url, params, '')],
        ['garbage signature', () => postSms(url, params, 'forged')],
        [
          'signed with another token',
          () => postSms(url, params, twilioSignature(randomBytes(16).toString('hex'), url, params)),
        ],
        [
          'signed with the account SID as the key',
          () => postSms(url, params, twilioSignature(p.sms.accountSid, url, params)),
        ],
        [
          "signed over B's URL, posted to A's",
          () => postSms(url, params, twilioSignature(token, `${B.smsHook}?delivery=${target.id}`, params)),
        ],
        [
          'signed over the URL without its query',
          () => postSms(url, params, twilioSignature(token, A.smsHook, params)),
        ],
        [
          'signed over another ?delivery=',
          () => postSms(url, params, twilioSignature(token, `${A.smsHook}?delivery=${A.sms[1]!.id}`, params)),
        ],
        [
          'signed, then posted with another ?delivery=',
          () => postSms(`${A.smsHook}?delivery=${A.sms[1]!.id}`, params, sig),
        ],
        ['signed, then posted without the query', () => postSms(A.smsHook, params, sig)],
        [
          'signed over https://',
          () => postSms(url, params, twilioSignature(token, url.replace(/^http:/, 'https:'), params)),
        ],
        [
          'signed over another host',
          () => postSms(url, params, twilioSignature(token, url.replace('127.0.0.1', 'localhost'), params)),
        ],
        [
          'signed, then MessageStatus changed',
          () => postSms(url, { ...params, MessageStatus: 'failed', SmsStatus: 'failed' }, sig),
        ],
        [
          'signed, then MessageSid changed',
          () => postSms(url, { ...params, MessageSid: A.sms[1]!.provider_message_id }, sig),
        ],
        ['signed, then a parameter added', () => postSms(url, { ...params, ErrorCode: '30003' }, sig)],
        ['signed, then a parameter emptied', () => postSms(url, { ...params, AccountSid: '' }, sig)],
        [
          'signed, then a parameter removed',
          () => postSms(url, Object.fromEntries(Object.entries(params).filter(([key]) => key !== 'SmsStatus')), sig),
        ],
        [
          'signed, then a field sent again with another value',
          () => postSms(url, `${new URLSearchParams(params)}&MessageStatus=failed`, sig),
        ],
        [
          'a valid signature of another callback',
          () =>
            postSms(
              url,
              params,
              twilioSignature(token, A.smsCallback[1]!, twilioParams(A.sms[1]!.provider_message_id)),
            ),
        ],
      ];
      for (const [label, attack] of cases) await changesNothing(label, attack, 401, invalid);

      // Positive control: the same callback, signed as Twilio signs it.
      const genuine = () => sendTwilioCallback(url, params, token);
      const { res, changes } = await accepted(genuine);
      expect(res).toEqual({ status: 200, body: { ok: true, applied: 1 } });
      expect(changes).toEqual(moved(A, target, 'DELIVERED'));
      await changesNothing('replay', genuine, 200, { ok: true, applied: 0, replay: true });
      await changesNothing(
        'replay, parameters in another order',
        () => postSms(url, Object.fromEntries(Object.entries(params).reverse()), sig),
        200,
        { ok: true, applied: 0, replay: true },
      );
      // Twilio's validator signs each distinct value of a field once: the body sent twice is the same signed content.
      await changesNothing(
        'replay, the body sent twice',
        () => postSms(url, `${new URLSearchParams(params)}&${new URLSearchParams(params)}`, sig),
        200,
        { ok: true, applied: 0, replay: true },
      );
    });

    it("other-tenant: a correctly signed callback on A's URL cannot touch B's delivery by MessageSid or by ?delivery=", async () => {
      const victim = B.sms[0]!;
      const token = p.sms.authToken;
      const signed = (url: string, params: Record<string, string>) => () => sendTwilioCallback(url, params, token);
      await changesNothing(
        "B's MessageSid on A's URL",
        signed(A.smsHook, twilioParams(victim.provider_message_id)),
        200,
        { ok: true, applied: 0 },
        A,
      );
      await changesNothing(
        "B's MessageSid and ?delivery=B's id on A's URL",
        signed(`${A.smsHook}?delivery=${victim.id}`, twilioParams(victim.provider_message_id)),
        200,
        { ok: true, applied: 0 },
        A,
      );
      await changesNothing(
        "?delivery=B's id with an unknown sid on A's URL",
        signed(`${A.smsHook}?delivery=${victim.id}`, twilioParams(`SM${randomBytes(16).toString('hex')}`)),
        200,
        { ok: true, applied: 0 },
        A,
      );
      await changesNothing(
        "B's MessageSid, failed, on A's callback URL for A's own delivery",
        signed(A.smsCallback[1]!, twilioParams(victim.provider_message_id, 'failed')),
        200,
        { ok: true, applied: 0 },
        A,
      );
      expect(await current(victim)).toEqual({
        status: 'SENT',
        reason: null,
        providerMessageId: victim.provider_message_id,
      });

      // Positive control: the same status on B's own callback URL moves B's delivery.
      const { res, changes } = await accepted(signed(B.smsCallback[0]!, twilioParams(victim.provider_message_id)));
      expect(res).toEqual({ status: 200, body: { ok: true, applied: 1 } });
      expect(changes).toEqual(moved(B, victim, 'DELIVERED'));
    });

    it('unknown tenants, malformed ids and huge bodies are refused and change nothing', async () => {
      const params = twilioParams(A.sms[1]!.provider_message_id);
      const token = p.sms.authToken;
      const unknown = `${base}/webhooks/sms/${randomUUID()}`;
      await changesNothing('unknown tenant, unsigned', () => postSms(unknown, params, null), 401, invalid);
      await changesNothing(
        "unknown tenant, signed over A's URL",
        () => postSms(unknown, params, twilioSignature(token, A.smsHook, params)),
        401,
        invalid,
      );
      // Signed for that URL (only Twilio could): nothing to apply it to.
      await changesNothing('unknown tenant, correctly signed', () => sendTwilioCallback(unknown, params, token), 200, {
        ok: true,
        applied: 0,
      });
      for (const id of [
        'not-a-uuid',
        `${A.t.id}0`,
        A.t.id.slice(0, -1),
        encodeURIComponent("' or 1=1 --"),
        `${A.t.id}%00`,
      ]) {
        await changesNothing(
          `malformed tenant id ${id}`,
          () => sendTwilioCallback(`${base}/webhooks/sms/${id}`, params, token),
          404,
          { error: 'unknown tenant' },
        );
      }
      await changesNothing(
        'body over 256 kB',
        () => sendTwilioCallback(A.smsCallback[1]!, { ...params, Body: 'x'.repeat(300_000) }, token),
        413,
        { error: 'request body too large', code: 'PAYLOAD_TOO_LARGE', limit: 262_144 },
      );
      const many = Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`P${i}`, '1']));
      await changesNothing(
        'over a thousand parameters',
        () => sendTwilioCallback(A.smsCallback[1]!, { ...params, ...many }, token),
        413,
        { error: 'too many parameters', code: 'PAYLOAD_TOO_LARGE' },
      );
      await changesNothing(
        'malformed ?delivery=, correctly signed, unknown sid',
        () =>
          sendTwilioCallback(
            `${A.smsHook}?delivery=%27%20or%201%3D1`,
            twilioParams(`SM${randomBytes(16).toString('hex')}`),
            token,
          ),
        200,
        { ok: true, applied: 0 },
        A,
      );
      expect(await current(A.sms[1]!)).toEqual({
        status: 'SENT',
        reason: null,
        providerMessageId: A.sms[1]!.provider_message_id,
      });
    });
  });

  // ---- SES events through SNS (RSA signature, AWS certificate) -----------------------------

  describe('SES via SNS', () => {
    const invalid = { error: 'invalid SNS signature' };

    it('unsigned, forged and tampered notifications are 401 and change nothing; the signed one fails the email; its replay changes nothing', async () => {
      const target = A.email[0]!;
      const message = bounce(target);
      const env = notification(message);
      const strip = (e: Row, ...keys: string[]) =>
        Object.fromEntries(Object.entries(e).filter(([key]) => !keys.includes(key)));
      const ATTACKER_CERT = '0123456789abcdef0123456789abcdef';
      const evilHosts = [
        'https://evil.test/SimpleNotificationService.pem',
        `https://sns.${REGION}.amazonaws.com.evil.test/SimpleNotificationService.pem`,
        `https://sns.${REGION}.amazonaws.com@evil.test/SimpleNotificationService.pem`,
        `https://evil.test/sns.${REGION}.amazonaws.com/SimpleNotificationService.pem`,
        `https://evil.test/?sns.${REGION}.amazonaws.com`,
        `http://sns.${REGION}.amazonaws.com/SimpleNotificationService.pem`,
        `https://sns.${REGION}.amazonaws.com:8443/SimpleNotificationService.pem`.replace(
          `sns.${REGION}.amazonaws.com`,
          'sns.evil.test',
        ),
        `https://xsns.${REGION}.amazonaws.com/SimpleNotificationService.pem`,
        'https://127.0.0.1/SimpleNotificationService.pem',
        'file:///etc/ssl/cert.pem',
        'not a url',
      ];
      const cases: [string, () => Promise<Response>][] = [
        ['no signature at all', () => postSes(strip(env, 'Signature', 'SignatureVersion', 'SigningCertURL'))],
        ['no Signature', () => postSes(strip(env, 'Signature'))],
        ['empty Signature', () => postSes({ ...env, Signature: '' })],
        ['no SigningCertURL', () => postSes(strip(env, 'SigningCertURL'))],
        [
          'signed by another key, AWS certificate URL',
          () => postSes({ ...notification(message, {}, attacker), SigningCertURL: aws.certUrl }),
        ],
        [
          'signed by another key, another AWS-host URL',
          () =>
            postSes({
              ...notification(message, {}, attacker),
              SigningCertURL: `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-${ATTACKER_CERT}.pem`,
            }),
        ],
        // Pinned as AWS's SDKs pin it: never fetched.
        [
          'an AWS-host URL whose name is not hex',
          () =>
            postSes({
              ...notification(message, {}, attacker),
              SigningCertURL: `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-attacker.pem`,
            }),
        ],
        [
          'an AWS-host URL with a query',
          () =>
            postSes({
              ...notification(message, {}, attacker),
              SigningCertURL: `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-${ATTACKER_CERT}.pem?x=1`,
            }),
        ],
        ...evilHosts.map((url): [string, () => Promise<Response>] => [
          `certificate from ${url}`,
          () => postSes({ ...notification(message, {}, attacker), SigningCertURL: url }),
        ]),
        [
          'Message tampered after signing',
          () =>
            postSes({
              ...notification(sesDeliveryMessage(target.provider_message_id, target.recipient)),
              Message: env.Message,
            }),
        ],
        ['MessageId changed after signing', () => postSes({ ...env, MessageId: randomUUID() })],
        [
          'Timestamp changed after signing',
          () => postSes({ ...env, Timestamp: new Date(Date.now() + 1000).toISOString() }),
        ],
        ['TopicArn changed after signing', () => postSes({ ...env, TopicArn: OTHER_TOPIC })],
        ['Subject added after signing', () => postSes({ ...env, Subject: 'x' })],
        [
          'Type changed to SubscriptionConfirmation',
          () =>
            postSes({
              ...env,
              Type: 'SubscriptionConfirmation',
              SubscribeURL: `https://sns.${REGION}.amazonaws.com/?Action=ConfirmSubscription`,
              Token: 't',
            }),
        ],
        ['SignatureVersion 1 → 2', () => postSes({ ...env, SignatureVersion: '2' })],
        ['SignatureVersion 2 → 1', () => postSes({ ...notification(message, {}, aws, 2), SignatureVersion: '1' })],
        ['SignatureVersion 3', () => postSes({ ...env, SignatureVersion: '3' })],
        ['SignatureVersion 0', () => postSes({ ...env, SignatureVersion: '0' })],
        ['SignatureVersion empty', () => postSes({ ...env, SignatureVersion: '' })],
        ['SignatureVersion missing', () => postSes(strip(env, 'SignatureVersion'))],
        ['JSON null', () => postSes(null)],
        ['JSON array', () => postSes([env])],
        ['JSON string', () => postSes(JSON.stringify(env))],
      ];
      for (const [label, attack] of cases) await changesNothing(label, attack, 401, invalid);
      await changesNothing(
        'not JSON',
        () => fetch(sesHook, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"Type":' }),
        400,
        { error: 'not JSON' },
      );
      await changesNothing('body over 256 kB', () => postSes({ ...env, pad: 'x'.repeat(300_000) }), 413, {
        error: 'request body too large',
        code: 'PAYLOAD_TOO_LARGE',
        limit: 262_144,
      });
      expect(certFetches.filter((u) => u !== aws.certUrl).sort()).toEqual([
        `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-${ATTACKER_CERT}.pem`,
      ]);

      // Positive control: the very envelope the tampering started from.
      const genuine = () => postSes(env);
      const { res, changes } = await accepted(genuine);
      expect(res).toEqual({ status: 200, body: { ok: true, applied: 1 } });
      expect(changes).toEqual(moved(A, target, 'FAILED', BOUNCE_REASON));
      await changesNothing('replay', genuine, 200, { ok: true, applied: 0, replay: true });
      await changesNothing(
        'replay, re-serialised',
        () =>
          fetch(sesHook, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: JSON.stringify(env, null, 1),
          }),
        200,
        { ok: true, applied: 0, replay: true },
      );
    });

    it('stale, future-dated and other-topic notifications are refused and change nothing', async () => {
      const target = A.email[1]!;
      const message = sesDeliveryMessage(target.provider_message_id, target.recipient);
      const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
      await changesNothing('signed 8 days ago', () => postSes(notification(message, { Timestamp: days(-8) })), 400, {
        error: 'stale or undated SNS message',
      });
      await changesNothing(
        'signed 30 days in the future',
        () => postSes(notification(message, { Timestamp: days(30) })),
        400,
        { error: 'stale or undated SNS message' },
      );
      await changesNothing('undated', () => postSes(notification(message, { Timestamp: 'yesterday' })), 400, {
        error: 'stale or undated SNS message',
      });
      // Genuinely signed by AWS, but for a topic that is not Kabar's: anyone can publish to their own topic.
      await changesNothing(
        "another AWS account's topic",
        () => postSes(notification(message, { TopicArn: OTHER_TOPIC })),
        403,
        { error: 'untrusted SNS topic' },
      );
      await changesNothing(
        'another topic, tagged with A',
        () =>
          postSes(
            notification(withTags(bounce(target), { tenant: A.t.id, delivery: target.id }), { TopicArn: OTHER_TOPIC }),
          ),
        403,
        { error: 'untrusted SNS topic' },
      );

      // Positive control: six days old is within the window.
      const { res, changes } = await accepted(() => postSes(notification(message, { Timestamp: days(-6) })));
      expect(res).toEqual({ status: 200, body: { ok: true, applied: 1 } });
      expect(changes).toEqual(moved(A, target, 'DELIVERED'));
    });

    it("subscription confirmations: only a signed one from Kabar's topic with an AWS SubscribeURL is fetched", async () => {
      const before = subscribeFetches().length;
      const untrusted = { error: 'untrusted SubscribeURL' };
      const urls = [
        confirmations.url, // http on loopback: an SSRF into Kabar's own network
        'https://evil.test/',
        `https://sns.${REGION}.amazonaws.com.evil.test/`,
        `https://sns.${REGION}.amazonaws.com@evil.test/`,
        `https://evil.test/sns.${REGION}.amazonaws.com/`,
        `http://sns.${REGION}.amazonaws.com/`,
        'https://169.254.169.254/latest/meta-data/',
      ];
      for (const url of urls)
        await changesNothing(`SubscribeURL ${url}`, () => postSes(confirmation(url)), 400, untrusted);
      await changesNothing(
        'forged confirmation (another key)',
        () =>
          postSes({
            ...confirmation(`https://sns.${REGION}.amazonaws.com/`, aws.topicArn, attacker),
            SigningCertURL: aws.certUrl,
          }),
        401,
        invalid,
      );
      await changesNothing(
        'tampered SubscribeURL',
        () =>
          postSes({
            ...confirmation(`https://sns.${REGION}.amazonaws.com/`),
            SubscribeURL: `${confirmations.url}?Action=ConfirmSubscription`,
          }),
        401,
        invalid,
      );
      await changesNothing(
        "another account's topic",
        () => postSes(confirmation(`https://sns.${REGION}.amazonaws.com/`, OTHER_TOPIC)),
        403,
        { error: 'untrusted SNS topic' },
      );
      expect(confirmations.confirmations).toEqual([]);
      expect(subscribeFetches().slice(before)).toEqual([]);

      // Positive control: the genuine confirmation is fetched, once.
      const genuine = confirmation(`https://sns.${REGION}.amazonaws.com/`);
      await changesNothing('genuine confirmation', () => postSes(genuine), 200, { ok: true, confirmed: true });
      expect(subscribeFetches().slice(before)).toEqual([genuine.SubscribeURL]);
    });

    it("other-tenant: a signed notification tagged with A cannot touch B's email", async () => {
      const victim = B.email[0]!;
      await changesNothing(
        "tagged A, B's message id",
        () => postSes(notification(withTags(bounce(victim), { tenant: A.t.id }))),
        200,
        { ok: true, applied: 0 },
        A,
      );
      await changesNothing(
        "tagged A and B's delivery, B's message id",
        () => postSes(notification(withTags(bounce(victim), { tenant: A.t.id, delivery: victim.id }))),
        200,
        { ok: true, applied: 0 },
        A,
      );
      await changesNothing(
        "tagged A and B's delivery, unknown message id",
        () =>
          postSes(
            notification(
              withTags(sesBounceMessage(`0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`, 'Permanent'), {
                tenant: A.t.id,
                delivery: victim.id,
              }),
            ),
          ),
        200,
        { ok: true, applied: 0 },
        A,
      );
      await changesNothing(
        "tagged with an unknown tenant, B's message id",
        () => postSes(notification(withTags(bounce(victim), { tenant: randomUUID(), delivery: victim.id }))),
        200,
        { ok: true, applied: 0 },
      );
      await changesNothing(
        'untagged, unknown message id',
        () =>
          postSes(
            notification(sesBounceMessage(`0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`, 'Permanent')),
          ),
        200,
        { ok: true, applied: 0 },
      );
      expect(await current(victim)).toEqual({
        status: 'SENT',
        reason: null,
        providerMessageId: victim.provider_message_id,
      });

      // Positive control: tagged with B, as Kabar tags B's mail.
      const { res, changes } = await accepted(() =>
        postSes(notification(withTags(bounce(victim), { tenant: B.t.id, delivery: victim.id }))),
      );
      expect(res).toEqual({ status: 200, body: { ok: true, applied: 1 } });
      expect(changes).toEqual(moved(B, victim, 'FAILED', BOUNCE_REASON));
    });
  });

  // ---- receipts: a delivery id alone settles a send whose answer was cut off ----------------

  it("receipts: a cut-off send of B is settled only by B's own authenticated receipt, never through A", async () => {
    // The state a crash leaves behind: the provider took the message, Kabar never recorded its answer.
    const cut = [B.wa[2]!, B.sms[1]!, B.email[2]!];
    await sql`update deliveries set status = 'QUEUED', provider_message_id = null, sending_since = now(), next_attempt_at = null where id in ${sql(cut.map((d) => d.id))}`;
    const [wa, sms, email] = cut as [Row, Row, Row];
    const fresh = {
      wa: `wamid.${randomBytes(24).toString('base64url')}`,
      sms: `SM${randomBytes(16).toString('hex')}`,
      email: `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`,
    };
    const waReceipt = whatsappStatusPayload([{ id: fresh.wa, status: 'sent', callbackData: wa.id }]);
    const smsReceipt = twilioParams(fresh.sms, 'sent');
    const sesReceipt = (tenant: Side) =>
      sesSendEvent(fresh.email, { tenant: tenant.t.id, delivery: email.id }, email.recipient);
    const token = p.sms.authToken;

    await changesNothing(
      "WhatsApp receipt naming B's delivery, A's secret on A's URL",
      () => sendWhatsAppWebhook(A.waHook, A.secret, waReceipt),
      200,
      { ok: true, applied: 0 },
      A,
    );
    await changesNothing(
      "WhatsApp receipt naming B's delivery on B's URL, A's secret",
      () => sendWhatsAppWebhook(B.waHook, A.secret, waReceipt),
      401,
      { error: 'invalid webhook secret' },
    );
    await changesNothing(
      "WhatsApp receipt naming B's delivery on B's URL, no secret",
      () => sendWhatsAppWebhook(B.waHook, null, waReceipt),
      401,
      { error: 'invalid webhook secret' },
    );
    await changesNothing(
      "SMS receipt with ?delivery=B's id, signed, on A's URL",
      () => sendTwilioCallback(`${A.smsHook}?delivery=${sms.id}`, smsReceipt, token),
      200,
      { ok: true, applied: 0 },
      A,
    );
    await changesNothing(
      "SMS receipt on B's callback URL, unsigned",
      () => postSms(B.smsCallback[1]!, smsReceipt, null),
      401,
      { error: 'invalid signature' },
    );
    await changesNothing(
      "SES receipt tagged A with B's delivery id",
      () => postSes(notification(sesReceipt(A))),
      200,
      { ok: true, applied: 0 },
      A,
    );
    await changesNothing(
      'SES receipt tagged B, forged',
      () => postSes({ ...notification(sesReceipt(B), {}, attacker), SigningCertURL: aws.certUrl }),
      401,
      { error: 'invalid SNS signature' },
    );
    for (const d of cut) expect(await current(d)).toEqual({ status: 'QUEUED', reason: null, providerMessageId: null });

    // Positive controls: each provider's genuine receipt on B's side settles B's send with the new id.
    const settled = (d: Row, id: string) => ({
      deliveries: [
        {
          id: d.id,
          status: ['QUEUED', 'SENT'],
          provider_message_id: [null, id],
          sending_since: [expect.any(String), null],
        },
      ],
      balances: [],
      history: [{ delivery_id: d.id, status: 'SENT', reason: null }],
      ledger: [],
      audit: [{ tenant_id: B.t.id, action: 'delivery.sent', entity_id: d.id }],
      receipts: [B.t.id],
    });
    for (const [d, id, call] of [
      [wa, fresh.wa, () => sendWhatsAppWebhook(B.waHook, B.secret, waReceipt)],
      [sms, fresh.sms, () => sendTwilioCallback(B.smsCallback[1]!, smsReceipt, token)],
      [email, fresh.email, () => postSes(notification(sesReceipt(B)))],
    ] as [Row, string, () => Promise<Response>][]) {
      const { res, changes } = await accepted(call);
      expect(res).toEqual({ status: 200, body: { ok: true, applied: 1 } });
      expect(changes).toEqual(settled(d, id));
    }
  });

  // ---- concurrent duplicates ---------------------------------------------------------------

  it('the same valid call five times at once is applied exactly once, per provider', async () => {
    const wa = A.wa[1]!;
    const sms = A.sms[1]!;
    const email = A.email[2]!;
    const waBody = waDelivered(wa);
    const smsParams = twilioParams(sms.provider_message_id);
    const env = notification(sesDeliveryMessage(email.provider_message_id, email.recipient));
    const calls = [
      () => sendWhatsAppWebhook(A.waHook, A.secret, waBody),
      () => sendTwilioCallback(A.smsCallback[1]!, smsParams, p.sms.authToken),
      () => postSes(env),
    ];
    const { changes } = await accepted(async () => {
      const answers = await Promise.all(
        calls.flatMap((call) => Array.from({ length: 5 }, async () => answer(await call()))),
      );
      for (let i = 0; i < calls.length; i++) {
        const mine = answers
          .slice(i * 5, i * 5 + 5)
          .map((a) => JSON.stringify(a))
          .sort();
        expect(mine).toEqual(
          [
            ...Array(4).fill(JSON.stringify({ status: 200, body: { ok: true, applied: 0, replay: true } })),
            JSON.stringify({ status: 200, body: { ok: true, applied: 1 } }),
          ].sort(),
        );
      }
      return new Response(null, { status: 204 });
    });
    expect(changes.deliveries.sort((x, y) => String(x.id).localeCompare(String(y.id)))).toEqual(
      [wa, sms, email]
        .map((d) => ({ id: d.id, status: ['SENT', 'DELIVERED'] }))
        .sort((x, y) => x.id.localeCompare(y.id)),
    );
    expect(changes.history).toHaveLength(3);
    expect(changes.receipts).toEqual([A.t.id, A.t.id, A.t.id]);
    expect(changes.ledger).toEqual([]);
  });
});
