import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import postgres from 'postgres';
import { openDatabase } from '../src/db/db-client.js';
import { runMigrations } from '../src/db/migrate.js';
import { ensureTopics } from '../src/kafka/kafka-admin.js';
import { startKafkaBroker, type KafkaBroker } from '../scripts/kafka/broker.js';
import { freePort } from '../test/helpers/net.js';
import { checkValid, eventGenerator, type BenchEvent } from './lib/events.js';
import { graphqlLoad, sqlPerRequest } from './lib/graphql.js';
import {
  graphqlSqlFloor,
  kafkaConsumeLimit,
  kafkaHopLatency,
  postgresWriteLimit,
  providerLimit,
  type MessageRow,
} from './lib/limits.js';
import { searchSustainedRate, type Probe } from './lib/search.js';
import { printProfile, summarizeProfile, type ProfileSummary } from './lib/profile.js';
import { barePipeline, bullmqPeer, type PeerContext } from './lib/peers.js';
import { createTenants, type BenchTenant } from './lib/setup.js';
import {
  cpuSeconds,
  cpuSecondsByComm,
  log,
  machineJiffies,
  memoryMb,
  round,
  rssSampler,
  sleep,
  startChild,
  summarize,
  type Child,
} from './lib/util.js';

// `npm run bench`: the whole measurement on this machine with a real Kafka broker and
// PostgreSQL. A report, never a pass/fail: every throughput comes with the raw limit measured in
// the same run on the same data, and the ratio between them is the headline.
// See bench/README.md for the phases, the knobs (BENCH_* variables) and how to read the output.

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results');
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const EVENTS = num('BENCH_EVENTS', 50_000);
const TENANTS = num('BENCH_TENANTS', 100);
const LATENCY_SECONDS = num('BENCH_LATENCY_SECONDS', 30);
const SUB_SECONDS = num('BENCH_SUBSCRIPTION_SECONDS', 20);
const SUBSCRIBERS = num('BENCH_SUBSCRIBERS', 1000);
const SUB_TENANTS = Math.min(num('BENCH_SUBSCRIBER_TENANTS', 50), TENANTS);
const GQL_SECONDS = num('BENCH_GRAPHQL_SECONDS', 10);
const GQL_CLIENTS = num('BENCH_GRAPHQL_CLIENTS', 20);
const PROVIDER_LIMIT_SECONDS = num('BENCH_PROVIDER_LIMIT_SECONDS', 5);
const PROFILE = process.env.BENCH_PROFILE === '1';
/** Which phases after the backlog run (BENCH_PARTS=pipeline,bullmq for a quick look at the limits); all by default. */
const ALL_PARTS = ['pipeline', 'bullmq', 'latency', 'search', 'graphql', 'subscriptions', 'quarter'] as const;
const PARTS = new Set(process.env.BENCH_PARTS ? process.env.BENCH_PARTS.split(',').map((x) => x.trim()) : ALL_PARTS);
const SEARCH_STEPS = num('BENCH_SEARCH_STEPS', 4);
const SEARCH_P99_MS = num('BENCH_SEARCH_P99_MS', 500);
const BULLMQ_CONCURRENCY = num('BENCH_BULLMQ_CONCURRENCY', 50);
const REDIS = { host: process.env.BENCH_REDIS_HOST ?? '127.0.0.1', port: num('BENCH_REDIS_PORT', 6379) };
/** The backlog phase stops here if not done (0 = no cap), so a slow Kabar still finishes the run in ~15 min. */
const MAX_E2E_SECONDS = num('BENCH_MAX_E2E_SECONDS', 720);
/** Node's heap flags from `npm start` (package.json), so Kabar's processes run here as they do there. */
const START_NODE_ARGS: string[] =
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string).match(/--max-[a-z-]+=\d+/g) ??
  [];
/** Node flags for the dispatcher child (memory experiments), instead of npm start's. */
const DISPATCHER_NODE_ARGS =
  process.env.BENCH_DISPATCHER_NODE_ARGS !== undefined
    ? process.env.BENCH_DISPATCHER_NODE_ARGS.split(/\s+/).filter(Boolean)
    : START_NODE_ARGS;
const ADMIN_URL =
  process.env.BENCH_DATABASE_ADMIN_URL ??
  process.env.TEST_DATABASE_ADMIN_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const CREDIT = '100000000';
const startedAt = Date.now();
/** When the last Kabar process (api, dispatcher) was started: tsx reads src/ then. */
let lastKabarStart = 0;

mkdirSync(RESULTS, { recursive: true });
const cleanups: (() => Promise<void>)[] = [];
const results: Record<string, any> = {};
/** Runs an optional phase; a failure is recorded (results.failedPhases) and the run goes on. */
async function phase(name: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (err) {
    log(`phase ${name} FAILED (the run goes on): ${(err as Error).message}`);
    (results.failedPhases ??= {})[name] = (err as Error).message.slice(0, 500);
  }
}
/** The machine's load average as each phase starts: the machine is shared, so figures carry their conditions. */
function noteLoad(phase: string) {
  const [one, five, fifteen] = loadavg().map((x) => round(x, 2));
  (results.machineLoad ??= {})[phase] = {
    at: new Date().toISOString(),
    loadavg1: one,
    loadavg5: five,
    loadavg15: fifteen,
  };
}

async function cleanup() {
  while (cleanups.length) await cleanups.pop()!().catch((err) => log(`cleanup: ${(err as Error).message}`));
}
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${sig}: cleaning up`);
    void cleanup().then(() => process.exit(130));
  });
}

function commitOf(): { commit: string; branch: string | null } {
  // No git binary needed: read .git directly.
  try {
    // In a worktree .git is a file naming the worktree's git dir; refs live in the common dir.
    let gitDir = join(ROOT, '.git');
    if (statSync(gitDir).isFile())
      gitDir = readFileSync(gitDir, 'utf8')
        .trim()
        .replace(/^gitdir: /, '');
    const common = existsSync(join(gitDir, 'commondir'))
      ? join(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim())
      : gitDir;
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return { commit: head, branch: null };
    const ref = head.slice(5);
    const loose = join(common, ref);
    if (existsSync(loose))
      return { commit: readFileSync(loose, 'utf8').trim(), branch: ref.replace('refs/heads/', '') };
    const packed = readFileSync(join(common, 'packed-refs'), 'utf8')
      .split('\n')
      .find((l) => l.endsWith(` ${ref}`));
    return { commit: packed?.split(' ')[0] ?? 'unknown', branch: ref.replace('refs/heads/', '') };
  } catch {
    return { commit: 'unknown', branch: null };
  }
}

/**
 * What was measured when the working tree differs from the commit (src/ may be edited while the
 * bench runs): a digest of src/ and drizzle/, and the most recently changed file.
 */
function sourceFingerprint() {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else files.push(rel);
    }
  };
  walk('src');
  walk('drizzle');
  files.sort();
  const hash = createHash('sha256');
  let newest = { file: '', at: 0 };
  for (const f of files) {
    hash
      .update(f)
      .update('\0')
      .update(readFileSync(join(ROOT, f)))
      .update('\0');
    const at = statSync(join(ROOT, f)).mtimeMs;
    if (at > newest.at) newest = { file: f, at };
  }
  return {
    digest: hash.digest('hex').slice(0, 16),
    files: files.length,
    newestFile: newest.file,
    newestChange: new Date(newest.at).toISOString(),
  };
}

/** CPU seconds of each process involved, for "who was busy" over a phase. */
function cpuSnapshot(pids: Record<string, number | undefined>) {
  const out: Record<string, number> = {};
  for (const [k, pid] of Object.entries(pids)) if (pid) out[k] = cpuSeconds(pid);
  out.postgres = cpuSecondsByComm('postgres');
  out.orchestrator = process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
  return { at: performance.now(), cpu: out, machine: machineJiffies() };
}
function cpuDelta(a: ReturnType<typeof cpuSnapshot>, b: ReturnType<typeof cpuSnapshot>) {
  const seconds = (b.at - a.at) / 1000;
  const cores: Record<string, number> = {};
  for (const k of Object.keys(b.cpu)) cores[k] = round((b.cpu[k]! - (a.cpu[k] ?? 0)) / seconds, 2);
  const machine = (b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total);
  // Whatever else the shared machine ran meanwhile (other users' processes, the kernel).
  const ours = Object.values(cores).reduce((x, y) => x + y, 0);
  cores.other = round(Math.max(0, machine * cpus().length - ours), 2);
  return { seconds: round(seconds, 1), coresUsed: cores, machineUtilisation: round(machine, 2) };
}

function eluDelta(a: { elu: { idle: number; active: number } }, b: { elu: { idle: number; active: number } }) {
  const active = b.elu.active - a.elu.active;
  const idle = b.elu.idle - a.elu.idle;
  return round(active / Math.max(1e-9, active + idle), 2);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const { commit, branch } = commitOf();
  const cpuList = cpus();
  results.commit = commit;
  results.branch = branch;
  results.source = sourceFingerprint();
  results.startedAt = new Date(startedAt).toISOString();
  results.machine = {
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  results.config = {
    events: EVENTS,
    tenants: TENANTS,
    latencySeconds: LATENCY_SECONDS,
    subscriptionSeconds: SUB_SECONDS,
    subscribers: SUBSCRIBERS,
    subscriberTenants: SUB_TENANTS,
    graphqlSeconds: GQL_SECONDS,
    graphqlClients: GQL_CLIENTS,
    providerDelayMs: num('BENCH_PROVIDER_DELAY_MS', 0),
    profile: PROFILE,
    maxE2eSeconds: MAX_E2E_SECONDS,
    dispatcherNodeArgs: DISPATCHER_NODE_ARGS,
    kabarOverrides: Object.fromEntries(
      Object.entries(process.env).filter(([k]) => /^(KABAR_|DATABASE_POOL_SIZE|KAFKA_PARTITIONS)/.test(k)),
    ),
  };
  log(
    `Kabar benchmark: ${EVENTS} events, ${TENANTS} tenants, commit ${commit.slice(0, 12)}, ${cpuList.length} CPUs, Node ${process.version}${PROFILE ? ' (profiling: figures are slowed by the profiler)' : ''}`,
  );

  // --- Infrastructure ------------------------------------------------------------------------
  const dbName = `kabar_bench_${Date.now().toString(36)}_${process.pid}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  cleanups.push(async () => {
    if (process.env.BENCH_KEEP_DB === '1') log(`BENCH_KEEP_DB=1: database ${dbName} kept (drop it yourself)`);
    else await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });
  const dbUrlObj = new URL(ADMIN_URL);
  dbUrlObj.pathname = `/${dbName}`;
  const dbUrl = dbUrlObj.toString();
  {
    const h = await openDatabase({ databaseUrl: dbUrl, poolSize: 1 });
    await runMigrations(h);
    await h.close();
  }
  const sql = postgres(dbUrl, { max: 4, onnotice: () => {} });
  cleanups.push(() => sql.end({ timeout: 5 }));
  const [{ version: pgVersion }] = await sql<
    { version: string }[]
  >`select current_setting('server_version') as version`;
  results.machine.postgres = pgVersion;
  results.machine.autovacuum = (await sql<{ v: string }[]>`select current_setting('autovacuum') as v`)[0]!.v;
  log(`database ${dbName} migrated (PostgreSQL ${pgVersion})`);

  let brokers = process.env.KAFKA_BROKERS?.trim();
  let broker: KafkaBroker | undefined;
  const suffix = brokers ? `.bench-${Date.now().toString(36)}` : '';
  if (!brokers) {
    const t = Date.now();
    broker = await startKafkaBroker({ log: (s) => log(`kafka: ${s}`) });
    cleanups.push(() => broker!.stop());
    brokers = broker.brokers;
    log(`Kafka ${broker.version} broker ${brokers} ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  results.machine.kafka = broker ? broker.version : `external (${brokers})`;
  const topics = {
    KAFKA_EVENTS_TOPIC: `kabar.events${suffix}`,
    KAFKA_DLQ_TOPIC: `kabar.events.dlq${suffix}`,
    KAFKA_STATUS_TOPIC: `kabar.delivery-status${suffix}`,
    KAFKA_LIVE_TOPIC: `kabar.live${suffix}`,
    KAFKA_CONSUMER_GROUP: `kabar-dispatcher${suffix}`,
  };
  const partitions = Number(process.env.KAFKA_PARTITIONS ?? 6);
  await ensureTopics(
    brokers,
    [
      { topic: topics.KAFKA_EVENTS_TOPIC, numPartitions: partitions },
      { topic: topics.KAFKA_DLQ_TOPIC, numPartitions: partitions },
      { topic: topics.KAFKA_STATUS_TOPIC, numPartitions: partitions },
      { topic: topics.KAFKA_LIVE_TOPIC, numPartitions: 1 },
    ],
    'bench',
  );
  const kafka = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING });
  const kadmin = kafka.admin();
  await kadmin.connect();
  cleanups.push(() => kadmin.disconnect());
  const producer = kafka.producer();
  await producer.connect();
  cleanups.push(() => producer.disconnect());

  const childEnvBase = { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' };
  const fakes = startChild('fakes', 'bench/fakes-process.ts', {
    env: childEnvBase,
    logFile: join(RESULTS, 'fakes.log'),
    cwd: ROOT,
  });
  cleanups.push(() => fakes.stop());
  const { urls } = await fakes.once<{ urls: { whatsapp: string; ses: string; sms: string; fcm: string } }>('ready');

  const jwtSecret = randomBytes(32).toString('hex');
  const apiPort = await freePort();
  const kabarEnv: NodeJS.ProcessEnv = {
    ...childEnvBase,
    ...topics,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    DATABASE_URL: dbUrl,
    KAFKA_BROKERS: brokers,
    KABAR_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    KABAR_JWT_SECRET: jwtSecret,
    KABAR_DEMO_TENANT: 'false',
    KABAR_SANDBOX_PROVIDERS: 'false',
    WHATSAPP_API_URL: urls.whatsapp,
    SES_ENDPOINT: urls.ses,
    AWS_REGION: 'ap-southeast-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    SMS_API_URL: urls.sms,
    SMS_ACCOUNT_SID: 'ACbench',
    SMS_AUTH_TOKEN: 'bench-auth-token',
    SMS_FROM: '+15005550006',
    FCM_API_URL: urls.fcm,
    FCM_PROJECT_ID: 'bench',
    FCM_ACCESS_TOKEN: 'bench-fcm-token',
  };
  lastKabarStart = Date.now();
  const api = startChild('api', 'bench/kabar-process.ts', {
    env: { ...kabarEnv, KABAR_ROLES: 'api', PORT: String(apiPort), KABAR_PUBLIC_URL: `http://127.0.0.1:${apiPort}` },
    nodeArgs: START_NODE_ARGS,
    logFile: join(RESULTS, 'api.log'),
    cwd: ROOT,
  });
  cleanups.push(() => api.stop());
  const { url: apiUrl } = await api.once<{ url: string }>('ready');
  log(`fake providers and Kabar API (${apiUrl}) up`);

  // --- Tenants -------------------------------------------------------------------------------
  let t = Date.now();
  const tenants: BenchTenant[] = await createTenants(apiUrl, jwtSecret, TENANTS, CREDIT);
  log(
    `${TENANTS} tenants set up through GraphQL in ${((Date.now() - t) / 1000).toFixed(1)} s (WhatsApp on, configured, ${CREDIT} IDR credit, 5 staff each)`,
  );
  await sleep(1500); // credit.purchase_status notifications of the setup reach the fakes
  await fakes.rpc('reset');
  const tenantIds = tenants.map((x) => x.id);
  const gen = eventGenerator(tenantIds, 42);

  // --- Backlog: produce every event before the dispatcher starts -----------------------------
  t = Date.now();
  const backlog: BenchEvent[] = [];
  for (let i = 0; i < EVENTS; i++) backlog.push(gen.next('e2e'));
  for (const e of backlog) checkValid(e);
  const mix: Record<string, number> = {};
  for (const e of backlog) mix[e.type] = (mix[e.type] ?? 0) + 1;
  log(`${EVENTS} events generated and validated in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  for (let i = 0; i < backlog.length; i += 1000) {
    await producer.send({
      topic: topics.KAFKA_EVENTS_TOPIC,
      messages: backlog.slice(i, i + 1000).map((e) => ({ key: e.tenantId, value: e.value })),
    });
  }
  const produceSeconds = (performance.now() - t) / 1000;
  results.produce = {
    events: EVENTS,
    seconds: round(produceSeconds, 2),
    eventsPerSecond: round(EVENTS / produceSeconds, 0),
    bytes: backlog.reduce((a, e) => a + e.value.length, 0),
    mix,
  };
  log(
    `produced to ${topics.KAFKA_EVENTS_TOPIC}: ${round(EVENTS / produceSeconds, 0)} events/s (${(results.produce.bytes / 1e6).toFixed(1)} MB)`,
  );

  // --- Raw limits that need nothing of Kabar (a: Kafka, c: providers) -------------------------
  const kafkaLimit = await kafkaConsumeLimit(brokers, topics.KAFKA_EVENTS_TOPIC, EVENTS);
  log(
    `limit (a) bare kafkajs consumer: ${round(kafkaLimit.messagesPerSecond, 0)} messages/s (median of ${kafkaLimit.passes} passes over ${kafkaLimit.messages}: ${kafkaLimit.passRates.join(', ')})`,
  );
  const hop = await kafkaHopLatency(brokers, 5);
  log(`limit: Kafka produce→consume hop p50 ${round(hop.p50)} ms, p99 ${round(hop.p99)} ms`);
  const provLimit = await providerLimit(urls, PROVIDER_LIMIT_SECONDS);
  await fakes.rpc('reset');
  log(`limit (c) fake providers from a bare HTTP client: ${round(provLimit.requestsPerSecond, 0)} requests/s`);

  // --- 1. End-to-end dispatch of the backlog ---------------------------------------------------
  let groupId = topics.KAFKA_CONSUMER_GROUP;
  const startDispatcher = (group: string) => {
    lastKabarStart = Date.now();
    return startChild('dispatcher', 'bench/kabar-process.ts', {
      env: {
        ...kabarEnv,
        KABAR_ROLES: 'dispatcher',
        KAFKA_CONSUMER_GROUP: group,
        ...(PROFILE ? { BENCH_SQL_DETAIL: '1' } : {}),
      },
      nodeArgs: DISPATCHER_NODE_ARGS,
      logFile: join(RESULTS, group === topics.KAFKA_CONSUMER_GROUP ? 'dispatcher.log' : 'dispatcher-2.log'),
      cwd: ROOT,
    });
  };
  noteLoad('backlog');
  let dispatcher = startDispatcher(groupId);
  cleanups.push(() => dispatcher.stop());
  const pids = () => ({ dispatcher: dispatcher.pid, api: api.pid, fakes: fakes.pid, kafka: broker?.pid });
  const [{ now: e2eStartDb }] = await sql<{ now: Date }[]>`select clock_timestamp() as now`;
  const cpu0 = cpuSnapshot(pids());
  await dispatcher.once('ready');
  const rss = rssSampler(dispatcher.pid);
  const d0 = await dispatcher.rpc('stats');
  if (PROFILE) await dispatcher.rpc('profileStart');
  log(
    `dispatcher started: consuming the backlog${MAX_E2E_SECONDS ? ` (at most ${MAX_E2E_SECONDS} s, BENCH_MAX_E2E_SECONDS)` : ''}`,
  );
  const complete = await waitConsumed(
    kadmin,
    groupId,
    topics.KAFKA_EVENTS_TOPIC,
    fakes,
    'e2e',
    MAX_E2E_SECONDS ? Date.now() + MAX_E2E_SECONDS * 1000 : undefined,
  );
  const cutAt = Date.now();
  let profile: ProfileSummary | undefined;
  if (PROFILE) {
    const file = join(RESULTS, 'dispatcher-e2e.cpuprofile.json');
    await dispatcher.rpc('profileStop', { file });
    profile = summarizeProfile(file);
  }
  const d1 = await dispatcher.rpc('stats');
  const cpu1 = cpuSnapshot(pids());
  const e2eRss = rss.stop();
  const [{ now: e2eEndDb }] = await sql<{ now: Date }[]>`select clock_timestamp() as now`;
  const dumped = await fakes.rpc<{ ids: string[]; times: number[] }>('dump');
  const [{ t0 }] = await sql<{ t0: Date }[]>`select min(received_at) as t0 from events where id like 'e2e-%'`;
  let events = EVENTS;
  let e2eReceipts = dumped;
  let firstDispatcherHwm = 0;
  if (!complete) {
    // Cut short to keep the run in time: count what was done by the cut, then move on with a
    // fresh dispatcher whose consumer group starts at the end of the backlog.
    const keep = dumped.times.map((t, i) => (t <= cutAt ? i : -1)).filter((i) => i >= 0);
    e2eReceipts = { ids: keep.map((i) => dumped.ids[i]!), times: keep.map((i) => dumped.times[i]!) };
    [{ n: events }] = await sql<
      { n: number }[]
    >`select count(*)::int as n from events where id like 'e2e-%' and processed_at <= ${new Date(cutAt)}`;
    firstDispatcherHwm = memoryMb(dispatcher.pid).hwm;
    dispatcher.proc.kill('SIGKILL');
    groupId = `${topics.KAFKA_CONSUMER_GROUP}-2`;
    const high = await kadmin.fetchTopicOffsets(topics.KAFKA_EVENTS_TOPIC);
    await kadmin.setOffsets({
      groupId,
      topic: topics.KAFKA_EVENTS_TOPIC,
      partitions: high.map((p) => ({ partition: p.partition, offset: p.high })),
    });
    dispatcher = startDispatcher(groupId);
    await dispatcher.once('ready');
    await sleep(3000); // group join
    log(
      `e2e cut at ${MAX_E2E_SECONDS} s with ${events}/${EVENTS} events processed; a fresh dispatcher continues from the end of the backlog`,
    );
  }
  const e2eMessages = e2eReceipts.ids.length;
  const lastReceipt = Math.max(...e2eReceipts.times.slice(-1000), 0);
  const e2eSeconds = (lastReceipt - t0.getTime()) / 1000;
  const statuses = await sql<{ channel: string; status: string; reason: string | null; n: number }[]>`
    select channel::text, status::text, case when status in ('SKIPPED','FAILED') then split_part(reason, ':', 1) end as reason, count(*)::int as n
    from deliveries where created_at between ${e2eStartDb} and ${e2eEndDb} group by 1, 2, 3 order by 4 desc`;
  const rows = await rowsWritten(sql, e2eStartDb, e2eEndDb);
  const e2e: Record<string, any> = {
    complete,
    events,
    messages: e2eMessages,
    messagesPerEvent: round(e2eMessages / events, 3),
    seconds: round(e2eSeconds, 2),
    eventsPerSecond: round(events / e2eSeconds, 1),
    messagesPerSecond: round(e2eMessages / e2eSeconds, 1),
    deliveries: statuses,
    sqlStatementsPerEvent: round((d1.statements - d0.statements) / events, 1),
    sqlStatementsPerMessage: round((d1.statements - d0.statements) / e2eMessages, 1),
    rowsWrittenPerEvent: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, round(v / events, 2)])),
    dispatcherEventLoopUtilisation: eluDelta(d0, d1),
    dispatcherLoopDelayMs: d1.loopDelayMs,
    cpu: cpuDelta(cpu0, cpu1),
    peakRssMb: round(e2eRss, 0),
  };
  results.e2e = e2e;
  const failed = !complete
    ? 0
    : statuses.filter((s) => s.status === 'FAILED' || s.status === 'QUEUED').reduce((a, s) => a + s.n, 0);
  log(
    `e2e: ${e2e.eventsPerSecond} events/s, ${e2e.messagesPerSecond} messages/s (${e2eMessages} messages in ${e2e.seconds} s); ${e2e.sqlStatementsPerEvent} SQL statements/event${failed ? `; WARNING ${failed} deliveries FAILED/QUEUED` : ''}`,
  );
  if (d1.sqlByText)
    results.sqlByText = (d1.sqlByText as [string, number][]).map(([q, n]) => ({
      perEvent: round(n / events, 2),
      count: n,
      sql: q,
    }));

  // --- Raw limit (b): PostgreSQL doing only the writes these same messages need --------------
  const messageRows = await sql<MessageRow[]>`
    select tenant_id::text, event_id, event_type, channel::text, recipient, recipient_kind, language::text, rendered_body, content::text as content, cost::text as cost, provider_message_id
    from deliveries where created_at between ${e2eStartDb} and ${e2eEndDb} and provider_message_id is not null`;
  const pgLimit = await postgresWriteLimit(dbUrl, messageRows);
  log(
    `limit (b) PostgreSQL minimal writes: ${round(pgLimit.messagesPerSecond, 0)} messages/s (${pgLimit.messages} messages, ${pgLimit.transactions} transactions of ≤${pgLimit.chunk})`,
  );

  // Kafka's limit is in Kafka records (events); in messages it is that times messages per event.
  const limitsInMessages = {
    kafka: kafkaLimit.messagesPerSecond * (e2eMessages / events),
    postgres: pgLimit.messagesPerSecond,
    providers: provLimit.requestsPerSecond,
  };
  const smallest = (Object.entries(limitsInMessages) as [string, number][]).sort((a, b) => a[1] - b[1])[0]!;
  Object.assign(e2e, { ratioToLimit: round(e2e.messagesPerSecond / smallest[1], 3), limitingResource: smallest[0] });
  results.limits = {
    kafkaConsumeMessagesPerSecond: round(kafkaLimit.messagesPerSecond, 0),
    kafkaConsumeAsDeliveryMessagesPerSecond: round(limitsInMessages.kafka, 0),
    postgresMessagesPerSecond: round(pgLimit.messagesPerSecond, 0),
    providerRequestsPerSecond: round(provLimit.requestsPerSecond, 0),
    smallest: smallest[0],
    smallestMessagesPerSecond: round(smallest[1], 0),
    kafkaHopP50Ms: round(hop.p50, 1),
    kafkaHopP99Ms: round(hop.p99, 1),
    detail: { kafka: kafkaLimit, postgres: pgLimit, providers: provLimit },
  };

  // --- Issue 19's limit and peer: the bare pipeline and BullMQ, on the same messages ------------
  const peerCtx: PeerContext = {
    root: ROOT,
    results: RESULTS,
    env: childEnvBase,
    dbUrl,
    urls,
    messages: messageRows,
    maxInFlight: Number(process.env.KABAR_MAX_IN_FLIGHT ?? 10),
    poolSize: Number(process.env.DATABASE_POOL_SIZE ?? 10),
    processes: 1,
    measure: async (extra, fn) => {
      const c0 = cpuSnapshot({ ...extra, kafka: broker?.pid });
      const value = await fn();
      return { value, cpu: cpuDelta(c0, cpuSnapshot({ ...extra, kafka: broker?.pid })) };
    },
  };
  if (PARTS.has('pipeline'))
    await phase('pipeline', async () => {
      noteLoad('pipeline');
      const high = await kadmin.fetchTopicOffsets(topics.KAFKA_EVENTS_TOPIC);
      const records = high.reduce((a, p) => a + Number(p.high) - Number(p.low), 0);
      const pipe = await barePipeline(peerCtx, brokers, topics.KAFKA_EVENTS_TOPIC, records);
      await fakes.rpc('reset');
      results.limits.pipelineMessagesPerSecond = pipe.messagesPerSecond;
      results.limits.detail.pipeline = pipe;
      Object.assign(e2e, { ratioToPipeline: round(e2e.messagesPerSecond / pipe.messagesPerSecond, 3) });
    });
  if (PARTS.has('bullmq'))
    await phase('bullmq', async () => {
      noteLoad('bullmq');
      const peer = await bullmqPeer(peerCtx, REDIS, BULLMQ_CONCURRENCY);
      await fakes.rpc('reset');
      results.peers = { bullmqMessagesPerSecond: peer.messagesPerSecond, bullmq: peer };
      Object.assign(e2e, { ratioToBullmq: round(e2e.messagesPerSecond / peer.messagesPerSecond, 3) });
    });
  // CPU per message: Kabar's dispatcher over the backlog beside the bare pipeline's process.
  e2e.dispatcherCpuMsPerMessage = round(
    (e2e.cpu.coresUsed.dispatcher! * e2e.cpu.seconds * 1000) / Math.max(1, e2eMessages),
    3,
  );

  // --- 1b. Latency at a steady offered load of half the measured maximum ----------------------
  // BENCH_LATENCY_RATE fixes the offered rate instead, so two runs of different code compare at one load.
  const halfRate = num('BENCH_LATENCY_RATE', Math.max(1, e2e.eventsPerSecond / 2));
  let latencyProfile: ProfileSummary | undefined;
  if (PARTS.has('latency')) {
    noteLoad('latency');
    await fakes.rpc('reset');
    await dispatcher.rpc('resetLoopDelay');
    if (PROFILE) await dispatcher.rpc('resetSqlDetail');
    const l0 = await dispatcher.rpc('stats');
    const cpuL0 = cpuSnapshot(pids());
    if (PROFILE) await dispatcher.rpc('profileStart');
    const steady = await steadyLoad(producer, topics.KAFKA_EVENTS_TOPIC, gen, 'lat', halfRate, LATENCY_SECONDS);
    await waitConsumed(kadmin, groupId, topics.KAFKA_EVENTS_TOPIC, fakes, 'latency');
    if (PROFILE) {
      const file = join(RESULTS, 'dispatcher-latency.cpuprofile.json');
      await dispatcher.rpc('profileStop', { file });
      latencyProfile = summarizeProfile(file);
    }
    await sleep(300);
    const l1 = await dispatcher.rpc('stats');
    const cpuL1 = cpuSnapshot(pids());
    const lat = await latencies(sql, fakes, steady);
    results.e2e = {
      ...results.e2e,
      p50Ms: round(lat.summary.p50, 1),
      p95Ms: round(lat.summary.p95, 1),
      p99Ms: round(lat.summary.p99, 1),
      latency: {
        offeredEventsPerSecond: round(steady.achievedRate, 1),
        targetEventsPerSecond: round(halfRate, 1),
        seconds: LATENCY_SECONDS,
        events: steady.produced.size,
        messages: lat.summary.n,
        unmatchedMessages: lat.unmatched,
        maxMs: round(lat.summary.max, 1),
        meanMs: round(lat.summary.mean, 1),
        dispatcherEventLoopUtilisation: eluDelta(l0, l1),
        dispatcherLoopDelayMs: l1.loopDelayMs,
        sqlStatementsPerEvent: round((l1.statements - l0.statements) / Math.max(1, steady.produced.size), 2),
        cpu: cpuDelta(cpuL0, cpuL1),
      },
    };
    if (l1.sqlByText)
      results.e2e.latency.sqlByText = (l1.sqlByText as [string, number][]).map(([q, n]) => ({
        perEvent: round(n / Math.max(1, steady.produced.size), 2),
        count: n,
        sql: q,
      }));
    // What one event costs the dispatcher when units hold an event or two and batching amortises nothing.
    results.e2e.latency.dispatcherCpuMsPerEvent = round(
      (results.e2e.latency.cpu.coresUsed.dispatcher * results.e2e.latency.cpu.seconds * 1000) /
        Math.max(1, steady.produced.size),
      2,
    );
    log(
      `latency at ${round(steady.achievedRate, 1)} events/s offered: p50 ${round(lat.summary.p50)} ms, p95 ${round(lat.summary.p95)} ms, p99 ${round(lat.summary.p99)} ms (${lat.summary.n} messages)`,
    );
  }

  // --- 1c. Latency-bounded throughput: the highest steady rate whose p99 stays within bounds -------
  if (PARTS.has('search'))
    await phase('search', async () => {
      noteLoad('search');
      const probe = async (rate: number): Promise<Probe> => {
        await fakes.rpc('reset');
        const run = await steadyLoad(producer, topics.KAFKA_EVENTS_TOPIC, gen, 'srch', rate, LATENCY_SECONDS);
        await waitConsumed(kadmin, groupId, topics.KAFKA_EVENTS_TOPIC, fakes, `search @ ${round(rate, 0)} ev/s`);
        await sleep(300);
        const r = await latencies(sql, fakes, run);
        log(
          `  search: ${round(run.achievedRate, 1)} events/s offered → p99 ${round(r.summary.p99)} ms (${r.summary.n} messages; load ${loadavg()[0]!.toFixed(2)})`,
        );
        return {
          rate,
          achieved: run.achievedRate,
          p99Ms: r.summary.p99,
          messages: r.summary.n,
          loadavg1: round(loadavg()[0]!, 2),
        };
      };
      const known = results.e2e.latency
        ? [
            {
              rate: halfRate,
              achieved: results.e2e.latency.offeredEventsPerSecond,
              p99Ms: results.e2e.p99Ms,
              messages: results.e2e.latency.messages,
              loadavg1: results.machineLoad?.latency?.loadavg1,
            },
          ]
        : [];
      const found = await searchSustainedRate(probe, {
        maxRate: e2e.eventsPerSecond,
        boundMs: SEARCH_P99_MS,
        steps: SEARCH_STEPS,
        known,
      });
      results.latency = {
        sustainedEventsPerSecond: round(found.sustained, 1),
        fractionOfBacklog: round(found.sustained / e2e.eventsPerSecond, 3),
        boundP99Ms: SEARCH_P99_MS,
        seconds: LATENCY_SECONDS,
        probes: found.probes.map((p) => ({
          ...p,
          rate: round(p.rate, 1),
          achieved: round(p.achieved, 1),
          p99Ms: round(p.p99Ms, 1),
        })),
      };
      log(
        `latency-bounded throughput: ${results.latency.sustainedEventsPerSecond} events/s with p99 ≤ ${SEARCH_P99_MS} ms (${results.latency.fractionOfBacklog} of the backlog's ${e2e.eventsPerSecond})`,
      );
    });

  // --- 3. GraphQL reads --------------------------------------------------------------------------
  let apiProfile: ProfileSummary | undefined;
  if (PARTS.has('graphql'))
    await phase('graphql', async () => {
      noteLoad('graphql');
      const statements = async () => (await api.rpc('stats')).statements as number;
      const sql10 = await sqlPerRequest(apiUrl, tenants[0]!.admin, 10, 20, statements);
      const sql100 = await sqlPerRequest(apiUrl, tenants[0]!.admin, 100, 20, statements);
      const adminTokens = tenants.map((x) => x.admin);
      // A maintained database has planner statistics and visibility maps (autovacuum). This server may
      // run with autovacuum off (see machine.autovacuum): without this, the nested history lookup
      // seq-scans delivery_status_history and count(*) reads every heap page, and reads measure that.
      t = Date.now();
      await sql.unsafe('vacuum (analyze) deliveries, delivery_status_history');
      log(
        `vacuum analyze before the reads: ${((Date.now() - t) / 1000).toFixed(1)} s (autovacuum is ${results.machine.autovacuum} on this server)`,
      );
      // What a page of deliveries weighs in the database (select * reads content too, which GraphQL never returns).
      const [sizes] = await sql<{ rows_per_tenant: number; body: number; content: number; row: number }[]>`
      select (count(*) / greatest(1, count(distinct tenant_id)))::int as rows_per_tenant, avg(pg_column_size(rendered_body))::int as body,
        avg(pg_column_size(content))::int as content, avg(pg_column_size(d.*))::int as row
      from deliveries d where tenant_id::text in ${sql(tenantIds)}`;
      const g: Record<string, any> = {};
      for (const first of [10, 100]) {
        const a0 = await api.rpc('stats');
        const c0 = cpuSnapshot(pids());
        if (PROFILE && first === 100) await api.rpc('profileStart');
        const load = await graphqlLoad(apiUrl, adminTokens, first, GQL_SECONDS, GQL_CLIENTS);
        if (PROFILE && first === 100) {
          const file = join(RESULTS, 'api-graphql100.cpuprofile.json');
          await api.rpc('profileStop', { file });
          apiProfile = summarizeProfile(file);
        }
        const c1 = cpuSnapshot(pids());
        const a1 = await api.rpc('stats');
        const floor = await graphqlSqlFloor(
          dbUrl,
          tenantIds,
          first,
          Math.max(3, GQL_SECONDS / 2),
          GQL_CLIENTS,
          Number(process.env.DATABASE_POOL_SIZE ?? 10),
        );
        g[first] = { load, floor, apiEventLoopUtilisation: eluDelta(a0, a1), cpu: cpuDelta(c0, c1) };
        log(
          `  cores: ${Object.entries(g[first].cpu.coresUsed)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        );
        log(
          `graphql deliveries(first: ${first}): ${round(load.requestsPerSecond, 0)} req/s, p99 ${round(load.latency.p99)} ms (${load.edgesPerPage} edges/page); SQL floor ${round(floor.requestsPerSecond, 0)} req/s`,
        );
      }
      results.graphql = {
        requestsPerSecond10: round(g[10].load.requestsPerSecond, 1),
        requestsPerSecond100: round(g[100].load.requestsPerSecond, 1),
        p99Ms: round(Math.max(g[10].load.latency.p99, g[100].load.latency.p99), 1),
        p99Ms10: round(g[10].load.latency.p99, 1),
        p99Ms100: round(g[100].load.latency.p99, 1),
        p50Ms10: round(g[10].load.latency.p50, 1),
        p50Ms100: round(g[100].load.latency.p50, 1),
        sqlPerRequest10: round(sql10, 2),
        sqlPerRequest100: round(sql100, 2),
        sqlFloorRequestsPerSecond10: round(g[10].floor.requestsPerSecond, 1),
        sqlFloorRequestsPerSecond100: round(g[100].floor.requestsPerSecond, 1),
        ratioToLimit10: round(g[10].load.requestsPerSecond / g[10].floor.requestsPerSecond, 3),
        ratioToLimit100: round(g[100].load.requestsPerSecond / g[100].floor.requestsPerSecond, 3),
        clients: GQL_CLIENTS,
        apiEventLoopUtilisation10: g[10].apiEventLoopUtilisation,
        apiEventLoopUtilisation100: g[100].apiEventLoopUtilisation,
        cpu10: g[10].cpu,
        cpu100: g[100].cpu,
        deliveriesPerTenant: sizes!.rows_per_tenant,
        avgStoredBytes: { row: sizes!.row, renderedBody: sizes!.body, content: sizes!.content },
        edgesPerPage10: g[10].load.edgesPerPage,
        edgesPerPage100: g[100].load.edgesPerPage,
      };
    });

  // --- 4. Live status fan-out while dispatch runs -------------------------------------------------
  // At half the backlog rate (the issue-5 figure) and at a quarter (issue 19: where the machine is not saturated).
  const fanouts = (
    [
      ['half', halfRate, 'subscriptions'],
      ['quarter', num('BENCH_QUARTER_RATE', Math.max(1, e2e.eventsPerSecond / 4)), 'quarter'],
    ] as const
  ).filter(([, , part]) => PARTS.has(part));
  const subs = startChild('subscribers', 'bench/subscribers-process.ts', {
    env: childEnvBase,
    logFile: join(RESULTS, 'subscribers.log'),
    cwd: ROOT,
  });
  cleanups.push(() => subs.stop());
  await subs.once('ready');
  const subTenants = tenants.slice(0, SUB_TENANTS);
  const perTenant = Math.ceil(SUBSCRIBERS / SUB_TENANTS);
  const list = Array.from({ length: SUBSCRIBERS }, (_, i) => ({
    tenant: subTenants[i % SUB_TENANTS]!.id,
    token: subTenants[i % SUB_TENANTS]!.staff,
  }));
  for (const [which, subRate] of fanouts) {
    await phase(`subscriptions-${which}`, async () => {
      noteLoad(`subscriptions-${which}`);
      await subs.rpc(
        'start',
        { url: apiUrl.replace(/^http/, 'ws'), subs: list },
        Number(process.env.BENCH_SUBSCRIBER_CONNECT_SECONDS ?? 60) * 1000 + 60_000,
      );
      log(`${SUBSCRIBERS} graphql-ws subscribers connected across ${SUB_TENANTS} tenants`);
      await fakes.rpc('reset');
      const [{ now: subStartDb }] = await sql<{ now: Date }[]>`select clock_timestamp() as now`;
      const s0 = await api.rpc('stats');
      const cpuS0 = cpuSnapshot({ ...pids(), subscribers: subs.pid });
      const subLoad = await steadyLoad(
        producer,
        topics.KAFKA_EVENTS_TOPIC,
        gen,
        which === 'half' ? 'sub' : 'subq',
        subRate,
        SUB_SECONDS,
      );
      await waitConsumed(kadmin, groupId, topics.KAFKA_EVENTS_TOPIC, fakes, 'subscriptions');
      await waitQuiet(api, 2000, 60_000); // the API still resolving queued payloads
      const s1 = await api.rpc('stats');
      const cpuS1 = cpuSnapshot({ ...pids(), subscribers: subs.pid });
      const [{ now: subEndDb }] = await sql<{ now: Date }[]>`select clock_timestamp() as now`;
      const got = await subs.rpc<{
        latencies: number[];
        seen: [string, string][];
        errors: string[];
        errorCount: number;
      }>('finish', {}, 120_000);
      const subLat = summarize(got.latencies);
      const owner = new Map<string, string>();
      const ids = [...new Set(got.seen.map((s) => s[1]))];
      for (let i = 0; i < ids.length; i += 5000) {
        for (const r of await sql<
          { id: string; tenant_id: string }[]
        >`select id::text, tenant_id::text from deliveries where id in ${sql(ids.slice(i, i + 5000))}`)
          owner.set(r.id, r.tenant_id);
      }
      const leaks = got.seen.filter(([tenant, id]) => owner.get(id) !== tenant).length;
      const subIds = subTenants.map((x) => x.id);
      // Every forward status change is one history row and one publish (QUEUED rows are never published).
      const [{ n: changes }] = await sql<{ n: number }[]>`
        select count(*)::int as n from delivery_status_history where at between ${subStartDb} and ${subEndDb} and status <> 'QUEUED' and tenant_id::text in ${sql(subIds)}`;
      const expected = changes * perTenant;
      const subE2e = await latencies(sql, fakes, subLoad);
      const fanout = {
        p50Ms: round(subLat.p50, 1),
        p95Ms: round(subLat.p95, 1),
        p99Ms: round(subLat.p99, 1),
        maxMs: round(subLat.max, 1),
        crossTenantLeaks: leaks,
        subscribers: SUBSCRIBERS,
        tenants: SUB_TENANTS,
        received: got.latencies.length,
        expected,
        missing: Math.max(0, expected - got.latencies.length),
        errors: got.errorCount,
        errorSamples: got.errors.slice(0, 5),
        offeredEventsPerSecond: round(subLoad.achievedRate, 1),
        statusChangesPublished: changes,
        apiSqlStatements: s1.statements - s0.statements,
        apiSqlStatementsPerReceivedPayload: round(
          (s1.statements - s0.statements) / Math.max(1, got.latencies.length),
          2,
        ),
        apiEventLoopUtilisation: eluDelta(s0, s1),
        apiLoopDelayMs: s1.loopDelayMs,
        cpu: cpuDelta(cpuS0, cpuS1),
        e2eDuringFanout: {
          p50Ms: round(subE2e.summary.p50, 1),
          p95Ms: round(subE2e.summary.p95, 1),
          p99Ms: round(subE2e.summary.p99, 1),
          messages: subE2e.summary.n,
        },
      };
      if (which === 'half') results.subscriptions = { ...results.subscriptions, ...fanout };
      else
        results.subscriptions = {
          ...results.subscriptions,
          p99MsQuarterLoad: fanout.p99Ms,
          p50MsQuarterLoad: fanout.p50Ms,
          quarterLoad: fanout,
        };
      log(
        `subscriptions at ${which} load: p50 ${round(subLat.p50)} ms, p99 ${round(subLat.p99)} ms; ${got.latencies.length}/${expected} payloads, ${leaks} cross-tenant, ${got.errorCount} errors`,
      );
    });
  }

  // --- Dispatcher memory over the whole run, then shut down ---------------------------------------
  const mem = memoryMb(dispatcher.pid);
  results.dispatcher = {
    peakRssMb: round(Math.max(mem.hwm, firstDispatcherHwm), 0),
    peakRssMbDuringE2e: e2e.peakRssMb,
    rssAtEndMb: round(mem.rss, 0),
    heapUsedAtEndMb: round((await dispatcher.rpc('stats')).memory.heapUsed / 2 ** 20, 0),
    rssAtReadyMb: round(d0.memory.rss / 2 ** 20, 0),
    heapUsedAtReadyMb: round(d0.memory.heapUsed / 2 ** 20, 0),
  };
  results.api = { peakRssMb: round(memoryMb(api.pid).hwm, 0) };
  await subs.stop();
  await dispatcher.stop();
  results.finishedAt = new Date().toISOString();
  const after = sourceFingerprint();
  if (after.digest !== results.source.digest) {
    const afterStarts = Date.parse(after.newestChange) > lastKabarStart;
    results.source.changedDuringRun = { ...after, afterEveryKabarProcessStarted: afterStarts };
    log(
      afterStarts
        ? `note: src/ changed during the run (${after.newestFile} at ${after.newestChange}), after every Kabar process had started: the figures are for source ${results.source.digest}`
        : `WARNING: src/ changed during the run (${after.newestFile} at ${after.newestChange}) while Kabar processes were starting: figures may mix two versions`,
    );
  }
  results.durationSeconds = round((Date.now() - startedAt) / 1000, 0);

  const file = join(RESULTS, 'latest.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(
    join(RESULTS, `run-${new Date(startedAt).toISOString().replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  printReport(results, profile, apiProfile, latencyProfile);
  log(`wrote ${file}`);
}

/** Rows each table gained over a window (what one event costs the database in writes). */
async function rowsWritten(sql: postgres.Sql, from: Date, to: Date) {
  const [r] = await sql<Record<string, number>[]>`select
    (select count(*)::int from events where received_at between ${from} and ${to}) as events,
    (select count(*)::int from deliveries where created_at between ${from} and ${to}) as deliveries,
    (select count(*)::int from delivery_status_history where at between ${from} and ${to}) as history,
    (select count(*)::int from audit_log where at between ${from} and ${to}) as audit,
    (select count(*)::int from credit_transactions where created_at between ${from} and ${to}) as ledger,
    (select count(*)::int from reminders where updated_at between ${from} and ${to}) as reminders`;
  return r!;
}

/** Waits until the dispatcher's group has committed everything on the topic (= every event handled and first-attempted). */
async function waitConsumed(
  admin: Admin,
  groupId: string,
  topic: string,
  fakes: Child,
  label: string,
  deadline?: number,
  stallMs = 120_000,
): Promise<boolean> {
  let lastDone = -1;
  let lastChange = Date.now();
  let lastLog = Date.now();
  for (;;) {
    const high = await admin.fetchTopicOffsets(topic);
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] }).catch(() => []);
    const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    let total = 0;
    let done = 0;
    for (const p of high) {
      total += Number(p.high) - Number(p.low);
      done += Math.max(0, (byPartition.get(p.partition) ?? -1) - Number(p.low));
    }
    if (done >= total) return true;
    if (deadline && Date.now() >= deadline) return false;
    if (done !== lastDone) {
      lastDone = done;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      throw new Error(
        `${label}: no progress for ${stallMs / 1000} s (${done}/${total} events committed); see bench/results/dispatcher.log`,
      );
    }
    if (Date.now() - lastLog > 10_000) {
      const c = await fakes.rpc('count');
      log(`  ${label}: ${done}/${total} events committed, ${c.total} messages at the providers`);
      lastLog = Date.now();
    }
    await sleep(200);
  }
}

/** Waits until the API process's SQL counter has not moved for `quietMs`. */
async function waitQuiet(api: Child, quietMs: number, maxMs: number) {
  const end = Date.now() + maxMs;
  let last = (await api.rpc('stats')).statements;
  let since = Date.now();
  while (Date.now() < end) {
    await sleep(250);
    const now = (await api.rpc('stats')).statements;
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

interface SteadyRun {
  produced: Map<number, number>; // event seq -> produce time (ms)
  achievedRate: number;
}

/** Produces at a fixed rate (events due every few ms go out together), remembering each event's produce time. */
async function steadyLoad(
  producer: Producer,
  topic: string,
  gen: ReturnType<typeof eventGenerator>,
  phase: string,
  rate: number,
  seconds: number,
): Promise<SteadyRun> {
  const total = Math.max(1, Math.round(rate * seconds));
  const produced = new Map<number, number>();
  const pending: Promise<unknown>[] = [];
  const start = Date.now();
  let i = 0;
  while (i < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate) + 1);
    if (due > i) {
      const batch: BenchEvent[] = [];
      for (; i < due; i++) batch.push(gen.next(phase));
      const at = Date.now();
      for (const e of batch) produced.set(Number(e.id.slice(e.id.lastIndexOf('-') + 1)), at);
      pending.push(producer.send({ topic, messages: batch.map((e) => ({ key: e.tenantId, value: e.value })) }));
    }
    await sleep(2);
  }
  await Promise.all(pending);
  const elapsed = (Date.now() - start) / 1000;
  return { produced, achievedRate: total / Math.max(elapsed, 1e-3) };
}

/** Produce → provider receipt for each message of a steady run (derived walk-in alerts map to their queue update). */
async function latencies(sql: postgres.Sql, fakes: Child, run: SteadyRun) {
  const receipts = await fakes.rpc<{ ids: string[]; times: number[] }>('dump');
  const at = new Map<string, number>();
  receipts.ids.forEach((id, i) => at.set(id, receipts.times[i]!));
  const seqs = [...run.produced.keys()];
  const minSeq = Math.min(...seqs);
  const maxSeq = Math.max(...seqs);
  const rows: { event_id: string; provider_message_id: string }[] = [];
  for (let i = 0; i < receipts.ids.length; i += 10_000) {
    rows.push(
      ...(await sql<{ event_id: string; provider_message_id: string }[]>`
      select event_id, provider_message_id from deliveries where provider_message_id in ${sql(receipts.ids.slice(i, i + 10_000))}`),
    );
  }
  const lat: number[] = [];
  let unmatched = 0;
  for (const r of rows) {
    const m = /-(\d+)$/.exec(r.event_id);
    const seq = m ? Number(m[1]) : NaN;
    const produced = seq >= minSeq && seq <= maxSeq ? run.produced.get(seq) : undefined;
    const received = at.get(r.provider_message_id);
    if (produced === undefined || received === undefined) {
      unmatched++;
      continue;
    }
    lat.push(received - produced);
  }
  return { summary: summarize(lat), unmatched: unmatched + Math.max(0, receipts.ids.length - rows.length) };
}

// ---------------------------------------------------------------------------------------------

function printReport(
  r: Record<string, any>,
  profile?: ProfileSummary,
  apiProfile?: ProfileSummary,
  latencyProfile?: ProfileSummary,
) {
  const out: string[] = [];
  const fmt = (v: unknown, unit = '') =>
    typeof v === 'number' ? `${v.toLocaleString('en-US', { maximumFractionDigits: 1 })}${unit}` : String(v ?? '–');
  const ratio = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
  const cores = (c: { coresUsed: Record<string, number>; machineUtilisation: number }) =>
    `${Object.entries(c.coresUsed)
      .filter(([, v]) => v >= 0.01)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ')} (machine ${Math.round(c.machineUtilisation * 100)}% busy)`;
  const row = (label: string, value: string, limit = '', ratio = '', target = '') =>
    out.push(`  ${label.padEnd(44)} ${value.padStart(14)}  ${limit.padStart(26)}  ${ratio.padStart(7)}  ${target}`);
  const ok = (pass: boolean) => (pass ? 'ok' : 'MISSED');
  const e = r.e2e;
  const l = r.limits;
  out.push('');
  out.push(
    `Kabar benchmark — commit ${String(r.commit).slice(0, 12)}${r.branch ? ` (${r.branch})` : ''}, source ${r.source.digest}${r.source.changedDuringRun ? ' (CHANGED DURING RUN)' : ''}, ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, PostgreSQL ${r.machine.postgres}, Kafka ${r.machine.kafka}`,
  );
  out.push(
    `${fmt(r.config.events)} events over ${r.config.tenants} tenants; ${e.messages.toLocaleString('en-US')} messages (${e.messagesPerEvent}/event); run took ${r.durationSeconds} s${r.config.profile ? '; PROFILED RUN (slower than normal)' : ''}`,
  );
  out.push('');
  out.push(
    `  ${'figure'.padEnd(44)} ${'Kabar'.padStart(14)}  ${'raw limit (same run)'.padStart(26)}  ${'ratio'.padStart(7)}  target`,
  );
  out.push('  1. end-to-end dispatch');
  row(
    'messages/s (backlog, until all at providers)',
    fmt(e.messagesPerSecond),
    `${fmt(l.smallestMessagesPerSecond)} (${l.smallest})`,
    ratio(e.ratioToLimit),
    `ratio ≥ 0.5: ${ok(e.ratioToLimit >= 0.5)}; ≥ 2,000/s: ${ok(e.messagesPerSecond >= 2000)}`,
  );
  if (!e.complete)
    out.push(
      `    NOTE: the backlog phase was cut at BENCH_MAX_E2E_SECONDS=${r.config.maxE2eSeconds}: ${fmt(e.events)} of ${fmt(r.config.events)} events were processed by then; rates are over that time`,
    );
  row(
    'events/s',
    fmt(e.eventsPerSecond),
    `${fmt(l.kafkaConsumeMessagesPerSecond)} (kafka records)`,
    ratio(e.eventsPerSecond / l.kafkaConsumeMessagesPerSecond),
  );
  if (l.pipelineMessagesPerSecond)
    row(
      'messages/s against the bare pipeline',
      fmt(e.messagesPerSecond),
      `${fmt(l.pipelineMessagesPerSecond)} (pipeline)`,
      ratio(e.ratioToPipeline),
      `≥ 0.5: ${ok(e.ratioToPipeline >= 0.5)}`,
    );
  if (r.peers)
    row(
      `messages/s against BullMQ ${r.peers.bullmq.version} (peer)`,
      fmt(e.messagesPerSecond),
      `${fmt(r.peers.bullmqMessagesPerSecond)} (BullMQ)`,
      ratio(e.ratioToBullmq),
      `≥ 2: ${ok(e.ratioToBullmq >= 2)}`,
    );
  row(
    'CPU ms per message (dispatcher / pipeline)',
    `${fmt(e.dispatcherCpuMsPerMessage)} / ${fmt(l.detail.pipeline?.cpuMsPerMessage)}`,
  );
  if (e.latency) {
    row(
      `produce→provider p50 @ ${fmt(e.latency.offeredEventsPerSecond)} ev/s (half max)`,
      fmt(e.p50Ms, ' ms'),
      `${fmt(l.kafkaHopP50Ms, ' ms')} (kafka hop)`,
    );
    row('produce→provider p95', fmt(e.p95Ms, ' ms'));
    row(
      'produce→provider p99',
      fmt(e.p99Ms, ' ms'),
      `${fmt(l.kafkaHopP99Ms, ' ms')} (kafka hop)`,
      '',
      `< 250 ms: ${ok(e.p99Ms < 250)}`,
    );
  }
  if (r.latency)
    row(
      `sustained ev/s with p99 ≤ ${r.latency.boundP99Ms} ms for ${r.latency.seconds} s`,
      fmt(r.latency.sustainedEventsPerSecond),
      `${fmt(e.eventsPerSecond)} (backlog ev/s)`,
      ratio(r.latency.fractionOfBacklog),
      `≥ 0.5: ${ok(r.latency.fractionOfBacklog >= 0.5)}`,
    );
  row(
    'dispatcher peak RSS (whole run)',
    fmt(r.dispatcher.peakRssMb, ' MB'),
    '',
    '',
    `< 300 MB: ${ok(r.dispatcher.peakRssMb < 300)}`,
  );
  row(
    'SQL statements per event (dispatcher)',
    fmt(e.sqlStatementsPerEvent),
    '',
    '',
    `(${fmt(e.sqlStatementsPerMessage)} per message)`,
  );
  row(
    'dispatcher event-loop utilisation',
    fmt(e.dispatcherEventLoopUtilisation),
    '',
    '',
    `loop delay p99 ${fmt(e.dispatcherLoopDelayMs.p99, ' ms')}`,
  );
  out.push(`    cores used during e2e: ${cores(e.cpu)}`);
  if (e.latency) {
    out.push(`    cores used at half load: ${cores(e.latency.cpu)}`);
    out.push(
      `    at half load, per event: dispatcher CPU ${fmt(e.latency.dispatcherCpuMsPerEvent, ' ms')}, ${fmt(e.latency.sqlStatementsPerEvent)} SQL statements`,
    );
  }
  out.push('  2. raw limits (messages/s; Kafka converted at messages/event)');
  row(
    '(a) bare kafkajs consumer',
    fmt(l.kafkaConsumeAsDeliveryMessagesPerSecond),
    `${fmt(l.kafkaConsumeMessagesPerSecond)} records/s`,
    ratio(e.messagesPerSecond / l.kafkaConsumeAsDeliveryMessagesPerSecond),
  );
  row(
    '(b) PostgreSQL minimal writes, batched',
    fmt(l.postgresMessagesPerSecond),
    '',
    ratio(e.messagesPerSecond / l.postgresMessagesPerSecond),
  );
  row(
    '(c) fake providers, bare HTTP client',
    fmt(l.providerRequestsPerSecond),
    '',
    ratio(e.messagesPerSecond / l.providerRequestsPerSecond),
  );
  if (l.detail.pipeline) {
    row(
      'bare pipeline (kafkajs + minimal rows + fakes)',
      fmt(l.pipelineMessagesPerSecond),
      '',
      ratio(e.ratioToPipeline),
    );
    out.push(`    cores used by the bare pipeline: ${cores(l.detail.pipeline.cpu)}`);
  }
  if (r.peers) {
    row(
      `BullMQ peer (${r.peers.bullmq.processes} process, concurrency ${r.peers.bullmq.concurrency})`,
      fmt(r.peers.bullmqMessagesPerSecond),
      '',
      ratio(e.ratioToBullmq),
    );
    out.push(`    cores used by the BullMQ peer: ${cores(r.peers.bullmq.cpu)}`);
  }
  if (r.machineLoad)
    out.push(
      `    load average (1 min) as each phase started: ${Object.entries(r.machineLoad)
        .map(([k, v]: [string, any]) => `${k} ${v.loadavg1}`)
        .join(', ')}`,
    );
  if (r.graphql) {
    const g = r.graphql;
    out.push(`  3. GraphQL reads (${g.clients} concurrent clients; limit = the same SQL from postgres.js)`);
    row(
      'deliveries(first: 10) + history, req/s',
      fmt(g.requestsPerSecond10),
      fmt(g.sqlFloorRequestsPerSecond10),
      ratio(g.ratioToLimit10),
    );
    row(
      'deliveries(first: 100) + history, req/s',
      fmt(g.requestsPerSecond100),
      fmt(g.sqlFloorRequestsPerSecond100),
      ratio(g.ratioToLimit100),
    );
    row('p99 latency (10 / 100)', `${fmt(g.p99Ms10)} / ${fmt(g.p99Ms100)} ms`);
    row(
      'SQL statements per request (10 / 100)',
      `${fmt(g.sqlPerRequest10)} / ${fmt(g.sqlPerRequest100)}`,
      '',
      '',
      `equal: ${ok(g.sqlPerRequest10 === g.sqlPerRequest100)}`,
    );
  }
  if (r.subscriptions) {
    const s = r.subscriptions;
    out.push(
      `  4. live status fan-out (${s.subscribers} subscribers, ${s.tenants} tenants, dispatch at ${fmt(s.offeredEventsPerSecond)} ev/s)`,
    );
    row('status change → subscriber p50', fmt(s.p50Ms, ' ms'), `${fmt(l.kafkaHopP50Ms, ' ms')} (kafka hop)`);
    row(
      'status change → subscriber p99',
      fmt(s.p99Ms, ' ms'),
      `${fmt(l.kafkaHopP99Ms, ' ms')} (kafka hop)`,
      '',
      `< 100 ms: ${ok(s.p99Ms < 100)}`,
    );
    row(
      'payloads received / expected',
      `${fmt(s.received)} / ${fmt(s.expected)}`,
      '',
      '',
      s.errors ? `${s.errors} errors` : '',
    );
    row('cross-tenant payloads', fmt(s.crossTenantLeaks), '', '', `= 0: ${ok(s.crossTenantLeaks === 0)}`);
    row('API SQL statements per payload delivered', fmt(s.apiSqlStatementsPerReceivedPayload));
    row('produce→provider p99 during fan-out', fmt(s.e2eDuringFanout?.p99Ms, ' ms'));
    out.push(`    cores used during fan-out: ${cores(s.cpu)}`);
    if (s.quarterLoad) {
      row(
        `status change → subscriber p99 @ ${fmt(s.quarterLoad.offeredEventsPerSecond)} ev/s (¼)`,
        fmt(s.p99MsQuarterLoad, ' ms'),
        '',
        '',
        `< 100 ms: ${ok(s.p99MsQuarterLoad < 100)}`,
      );
      row(
        'payloads received / expected (¼ load)',
        `${fmt(s.quarterLoad.received)} / ${fmt(s.quarterLoad.expected)}`,
        '',
        '',
        `cross-tenant ${s.quarterLoad.crossTenantLeaks}`,
      );
    }
  }
  out.push('');
  const rows = e.rowsWrittenPerEvent;
  out.push(
    `  rows written per event: ${Object.entries(rows)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  out.push(
    `  deliveries: ${e.deliveries.map((d: any) => `${d.channel} ${d.status}${d.reason ? ` ${d.reason}` : ''} ${d.n}`).join('; ')}`,
  );
  if (r.sqlByText) {
    out.push('  SQL statements per event by text (dispatcher, BENCH_PROFILE):');
    for (const q of r.sqlByText.slice(0, 30)) out.push(`    ${String(q.perEvent).padStart(6)}  ${q.sql.slice(0, 150)}`);
  }
  if (e.latency?.sqlByText) {
    out.push('  SQL statements per event by text at half load (dispatcher, BENCH_PROFILE):');
    for (const q of e.latency.sqlByText.slice(0, 20))
      out.push(`    ${String(q.perEvent).padStart(6)}  ${q.sql.slice(0, 150)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  if (profile) {
    process.stdout.write('\nDispatcher during the e2e phase — ');
    printProfile(profile);
  }
  if (latencyProfile) {
    process.stdout.write('\nDispatcher at half load (latency phase) — ');
    printProfile(latencyProfile);
  }
  if (apiProfile) {
    process.stdout.write('\nAPI process during deliveries(first: 100) load — ');
    printProfile(apiProfile);
  }
}

try {
  await main();
} catch (err) {
  log(`FAILED: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
