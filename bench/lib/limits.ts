import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../../src/kafka/kafka-admin.js';
import { mirrorTenants, pgClient, writeMinimal, type MessageRow } from './minimal.js';
import { pool, sleep, summarize } from './util.js';

export type { MessageRow } from './minimal.js';

// The raw limits Kabar's throughput is compared with, measured in the same run on the same
// data: what Kafka, PostgreSQL and the fake providers can do with nothing of Kabar in between.

/**
 * (a) A bare kafkajs consumer (Kabar's consumer settings) reading the backlog and doing nothing.
 * One pass over a small backlog takes a fraction of a second, so it is read again by fresh
 * groups until at least `minSeconds` of reading have been timed; the median pass is reported.
 */
export async function kafkaConsumeLimit(
  brokers: string,
  topic: string,
  expected: number,
  minSeconds = 3,
  maxPasses = 7,
) {
  const passes: { messages: number; seconds: number; messagesPerSecond: number; startupSeconds: number }[] = [];
  let timed = 0;
  while (passes.length < maxPasses && (passes.length < 3 || timed < minSeconds)) {
    const p = await kafkaConsumeOnce(brokers, topic, expected);
    passes.push(p);
    timed += p.seconds;
  }
  const sorted = [...passes].sort((a, b) => a.messagesPerSecond - b.messagesPerSecond);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return { ...median, passes: passes.length, passRates: passes.map((p) => Math.round(p.messagesPerSecond)) };
}

async function kafkaConsumeOnce(brokers: string, topic: string, expected: number) {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bench-raw-${randomUUID()}`,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: 2 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  let first = 0;
  let last = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const startedAt = Date.now();
  // Timed from joining the group (before the first fetch): the first fetch alone can carry the whole backlog.
  consumer.on(consumer.events.GROUP_JOIN, () => void (first ||= performance.now()));
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      if (!first) first = performance.now();
      count += batch.messages.length;
      if (count >= expected && !last) {
        last = performance.now();
        done();
      }
    },
  });
  await Promise.race([finished, sleep(300_000)]);
  await consumer.disconnect();
  const seconds = (last - first) / 1000;
  return {
    messages: count,
    seconds,
    messagesPerSecond: count / Math.max(seconds, 0.001),
    startupSeconds: (Date.now() - startedAt) / 1000 - seconds,
  };
}

/**
 * The hop every live status change takes (dispatcher → kabar.live → API process): produce one
 * small message every few ms, consume it with the live consumer's settings, time the hop.
 */
export async function kafkaHopLatency(brokers: string, seconds: number, ratePerSecond = 200) {
  const topic = `bench.hop.${randomUUID().slice(0, 8)}`;
  await ensureTopics(brokers, [{ topic, numPartitions: 1 }], 'bench');
  const kafka = new Kafka({ clientId: 'bench-hop', brokers: [brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `bench-hop-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  const lat: number[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => void lat.push(Date.now() - Number(message.value!.toString())),
  });
  await sleep(3000); // group join
  lat.length = 0;
  const end = Date.now() + seconds * 1000;
  const every = 1000 / ratePerSecond;
  while (Date.now() < end) {
    void producer.send({ topic, messages: [{ key: 'k', value: String(Date.now()) }] }).catch(() => {});
    await sleep(every);
  }
  await sleep(1000);
  await consumer.disconnect();
  await producer.disconnect();
  return summarize(lat);
}

/** (c) The fake providers' raw request rate from a bare keep-alive HTTP client, Kabar's four request shapes in turn. */
export async function providerLimit(
  urls: { whatsapp: string; ses: string; sms: string; fcm: string },
  seconds: number,
  concurrency = 32,
) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const wa = JSON.stringify({
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: '6281234567890',
    type: 'template',
    template: {
      name: 'kabar_appointment_confirmed',
      language: { policy: 'deterministic', code: 'id' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Pasien 1' },
            { type: 'text', text: 'BK-1' },
          ],
        },
      ],
    },
  });
  const ses = new URLSearchParams({
    Action: 'SendEmail',
    Version: '2010-12-01',
    Source: 'no-reply@kabar.local',
    'Destination.ToAddresses.member.1': 'pasien@example.id',
    'Message.Subject.Data': 'Janji temu dikonfirmasi',
    'Message.Body.Text.Data': 'x'.repeat(400),
    'Message.Body.Html.Data': 'x'.repeat(600),
  }).toString();
  const sms = new URLSearchParams({
    To: '+6281234567890',
    From: '+15005550006',
    Body: 'x'.repeat(160),
    StatusCallback: 'http://127.0.0.1:4000/webhooks/sms/t',
  }).toString();
  const fcm = JSON.stringify({
    message: {
      token: 'fcm-token',
      notification: { title: 'Klinik', body: 'x'.repeat(120) },
      data: { deliveryId: randomUUID(), eventType: 'walkin.token_called' },
    },
  });
  const shapes = [
    { url: new URL('/messages', urls.whatsapp), type: 'application/json', body: wa },
    { url: new URL('/', urls.ses), type: 'application/x-www-form-urlencoded', body: ses },
    {
      url: new URL('/2010-04-01/Accounts/AC1/Messages.json', urls.sms),
      type: 'application/x-www-form-urlencoded',
      body: sms,
    },
    { url: new URL('/v1/projects/bench/messages:send', urls.fcm), type: 'application/json', body: fcm },
  ];
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const s = shapes[i % shapes.length]!;
      const req = request(
        s.url,
        { method: 'POST', agent, headers: { 'content-type': s.type, 'content-length': Buffer.byteLength(s.body) } },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(s.body);
    });
  // Warm the connections, then measure.
  await Promise.all(Array.from({ length: concurrency }, (_, i) => one(i)));
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < end; i += concurrency) {
        await one(i);
        count++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return { requests: count, seconds: elapsed, requestsPerSecond: count / elapsed, concurrency };
}

/**
 * (b) PostgreSQL doing only what one message minimally needs written: its delivery row, its
 * status row and, for WhatsApp, its credit debit (balance update + ledger row) — batched as
 * freely as Kabar could (per tenant, since RLS sets one tenant per transaction; multi-row
 * INSERTs of up to `chunk` messages; `concurrency` transactions at once) and run as kabar_app
 * under RLS, like Kabar. Writes go to tenants of its own, so Kabar's tenants are not touched.
 */
export async function postgresWriteLimit(
  dbUrl: string,
  messages: MessageRow[],
  opts: { chunk?: number; concurrency?: number } = {},
) {
  const chunk = opts.chunk ?? 500;
  const concurrency = opts.concurrency ?? 4;
  const sql = pgClient(dbUrl, concurrency);
  try {
    const map = await mirrorTenants(sql, [...new Set(messages.map((m) => m.tenant_id))], 'Bench limit');
    const byTenant = new Map<string, MessageRow[]>();
    for (const m of messages) {
      const t = map.get(m.tenant_id)!;
      let list = byTenant.get(t);
      if (!list) byTenant.set(t, (list = []));
      list.push(m);
    }
    const batches: [string, MessageRow[]][] = [];
    for (const [t, list] of byTenant)
      for (let i = 0; i < list.length; i += chunk) batches.push([t, list.slice(i, i + chunk)]);
    let statements = 0;
    const start = performance.now();
    await pool(batches, concurrency, async ([tenantId, list]) => {
      const n = await writeMinimal(sql, tenantId, list);
      statements += n;
    });
    const seconds = (performance.now() - start) / 1000;
    return {
      messages: messages.length,
      seconds,
      messagesPerSecond: messages.length / seconds,
      transactions: batches.length,
      statements,
      chunk,
      concurrency,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * The database floor of one deliveries(first: n) { … history } request: the same statements
 * Kabar issues (page + total in one RLS transaction, the batched history in a second one),
 * straight from postgres.js with Kabar's pool size, under the same concurrency.
 */
export async function graphqlSqlFloor(
  dbUrl: string,
  tenantIds: string[],
  first: number,
  seconds: number,
  clients: number,
  poolSize: number,
) {
  const sql = pgClient(dbUrl, poolSize);
  const lat: number[] = [];
  let count = 0;
  const one = async (tenantId: string) => {
    const rows = await sql.begin(async (tx) => {
      await tx`select set_config('role', 'kabar_app', true), set_config('app.tenant_id', ${tenantId}, true)`;
      const page = await tx`select * from deliveries order by seq desc limit ${first + 1}`;
      await tx`select count(*) from deliveries`;
      return page;
    });
    const ids = rows.slice(0, first).map((r) => r.id as string);
    await sql.begin(async (tx) => {
      await tx`select set_config('role', 'kabar_app', true), set_config('app.tenant_id', ${tenantId}, true)`;
      if (ids.length) await tx`select * from delivery_status_history where delivery_id in ${tx(ids)} order by id`;
    });
  };
  try {
    for (let i = 0; i < clients; i++) await one(tenantIds[i % tenantIds.length]!);
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, w) => {
        for (let i = w; performance.now() < end; i += clients) {
          const t0 = performance.now();
          await one(tenantIds[i % tenantIds.length]!);
          lat.push(performance.now() - t0);
          count++;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    return { requests: count, requestsPerSecond: count / elapsed, latency: summarize(lat) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
