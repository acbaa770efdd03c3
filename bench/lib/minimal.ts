import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import postgres from 'postgres';

// What one message minimally costs, shared by the limits that replay Kabar's own messages: the
// PostgreSQL minimal writes (limit b), the bare pipeline and the BullMQ peer. The rows and requests
// are exactly the ones Kabar produced in the backlog phase (its rendered text, recipients, costs):
// nothing is routed, rendered or checked again.

/** One message as Kabar sent it in the backlog phase (a row of `deliveries`). */
export interface MessageRow {
  tenant_id: string;
  event_id: string;
  event_type: string;
  channel: string;
  recipient: string;
  recipient_kind: string;
  language: string;
  rendered_body: string;
  content: string | null;
  cost: string | null;
  provider_message_id: string | null;
}

export interface FakeUrls {
  whatsapp: string;
  ses: string;
  sms: string;
  fcm: string;
}

export function pgClient(url: string, max: number) {
  const sql = postgres(url, { max, onnotice: () => {}, connection: { application_name: 'kabar-bench' } });
  // Like drizzle: JSON columns travel as the text we give.
  sql.options.serializers[114] = (x: unknown) => x as string;
  sql.options.serializers[3802] = (x: unknown) => x as string;
  return sql;
}

/** Tenants of the limit's own (one per source tenant, with ample credit), so Kabar's tenants are not touched. */
export async function mirrorTenants(
  sql: postgres.Sql,
  sourceTenants: string[],
  label: string,
): Promise<Map<string, string>> {
  const created = await sql<{ id: string }[]>`
    insert into tenants ${sql(sourceTenants.map((_, i) => ({ name: `${label} ${i}`, country: 'ID', currency: 'IDR', default_language: 'ID', timezone: 'Asia/Jakarta' })))}
    returning id`;
  await sql`insert into credit_balances ${sql(created.map((t) => ({ tenant_id: t.id, currency: 'IDR', balance: '1000000000000' })))}`;
  return new Map(sourceTenants.map((t, i) => [t, created[i]!.id]));
}

/**
 * The minimal writes of messages of one tenant, in one transaction as kabar_app under RLS:
 * delivery rows and one status row each (multi-row INSERTs), and for WhatsApp one balance
 * update and a ledger row each. Returns the statements run.
 */
export async function writeMinimal(sql: postgres.Sql, tenantId: string, list: MessageRow[]): Promise<number> {
  let statements = 1;
  await sql.begin(async (tx) => {
    await tx`select set_config('role', 'kabar_app', true), set_config('app.tenant_id', ${tenantId}, true)`;
    const rows = list.map((m) => ({
      id: randomUUID(),
      tenant_id: tenantId,
      event_id: m.event_id,
      event_type: m.event_type,
      channel: m.channel,
      recipient: m.recipient,
      recipient_kind: m.recipient_kind,
      language: m.language,
      status: 'SENT',
      rendered_body: m.rendered_body,
      content: m.content,
      cost: m.cost,
      provider_message_id: m.provider_message_id,
      attempts: 1,
    }));
    await tx`insert into deliveries ${tx(rows)}`;
    await tx`insert into delivery_status_history ${tx(rows.map((r) => ({ tenant_id: tenantId, delivery_id: r.id, status: 'SENT' })))}`;
    statements += 2;
    const paid = rows.filter((r) => r.cost !== null);
    if (paid.length) {
      const total = paid.reduce((a, r) => a + Number(r.cost), 0).toFixed(4);
      const [bal] = await tx<
        { balance: string }[]
      >`update credit_balances set balance = balance - ${total}::numeric, updated_at = now() where tenant_id = ${tenantId} returning balance`;
      // balance_after of each ledger row, as if the debits had been applied one by one.
      let after = Number(bal!.balance) + Number(total);
      const ledger = paid.map((r) => ({
        tenant_id: tenantId,
        kind: 'DEBIT',
        amount: `-${r.cost}`,
        balance_after: (after -= Number(r.cost)).toFixed(4),
        delivery_id: r.id,
        note: 'WhatsApp message',
      }));
      await tx`insert into credit_transactions ${tx(ledger)}`;
      statements += 2;
    }
  });
  return statements;
}

/** The provider request of one message, in the shape Kabar's adapter sends for its channel. */
function shapeOf(urls: FakeUrls, m: MessageRow): { url: URL; type: string; body: string } {
  switch (m.channel) {
    case 'WHATSAPP':
      return {
        url: new URL('/messages', urls.whatsapp),
        type: 'application/json',
        body: JSON.stringify({
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: m.recipient.replace(/^\+/, ''),
          type: 'template',
          template: {
            name: m.event_type.replace(/\W/g, '_'),
            language: { policy: 'deterministic', code: m.language.toLowerCase() },
            components: [{ type: 'body', parameters: [{ type: 'text', text: m.rendered_body.slice(0, 200) }] }],
          },
        }),
      };
    case 'EMAIL':
      return {
        url: new URL('/', urls.ses),
        type: 'application/x-www-form-urlencoded',
        body: new URLSearchParams({
          Action: 'SendEmail',
          Version: '2010-12-01',
          Source: 'no-reply@kabar.local',
          'Destination.ToAddresses.member.1': m.recipient,
          'Message.Subject.Data': m.event_type,
          'Message.Body.Text.Data': m.rendered_body,
        }).toString(),
      };
    case 'SMS':
      return {
        url: new URL('/2010-04-01/Accounts/AC1/Messages.json', urls.sms),
        type: 'application/x-www-form-urlencoded',
        body: new URLSearchParams({ To: m.recipient, From: '+15005550006', Body: m.rendered_body }).toString(),
      };
    default:
      return {
        url: new URL('/v1/projects/bench/messages:send', urls.fcm),
        type: 'application/json',
        body: JSON.stringify({
          message: {
            token: m.recipient,
            notification: { title: 'Klinik', body: m.rendered_body },
            data: { eventType: m.event_type },
          },
        }),
      };
  }
}

/** The id the fake hands back, read from its real wire format. */
function providerIdOf(channel: string, body: string): string {
  switch (channel) {
    case 'WHATSAPP':
      return (JSON.parse(body) as { messages: { id: string }[] }).messages[0]!.id;
    case 'EMAIL':
      return /<MessageId>([^<]+)<\/MessageId>/.exec(body)?.[1] ?? '';
    case 'SMS':
      return (JSON.parse(body) as { sid: string }).sid;
    default:
      return (JSON.parse(body) as { name: string }).name;
  }
}

/** A keep-alive sender to the fakes: send(m) resolves with the provider's message id. */
export function senderTo(urls: FakeUrls, maxSockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const send = (m: MessageRow) =>
    new Promise<string>((resolve, reject) => {
      const s = shapeOf(urls, m);
      const req = request(
        s.url,
        { method: 'POST', agent, headers: { 'content-type': s.type, 'content-length': Buffer.byteLength(s.body) } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () =>
            (res.statusCode ?? 500) < 300
              ? resolve(providerIdOf(m.channel, body))
              : reject(new Error(`${m.channel} answered ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(s.body);
    });
  return { send, close: () => agent.destroy() };
}

/** At most `limit` calls of fn running at once, across every caller. */
export function limiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    // A finishing call hands its slot straight to the next waiter.
    if (active >= limit) await new Promise<void>((r) => waiting.push(r));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
