import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { PipelineRequest } from '../pipeline-process.js';
import type { WorkerRequest } from '../bullmq-process.js';
import { mirrorTenants, pgClient, type FakeUrls, type MessageRow } from './minimal.js';
import { log, round, sleep, startChild, type Child } from './util.js';

// The bare pipeline and the BullMQ peer, run from the orchestrator on the messages Kabar sent in
// the backlog phase (bench/pipeline-process.ts and bench/bullmq-process.ts do the work).

export interface PeerContext {
  root: string;
  results: string;
  env: NodeJS.ProcessEnv;
  dbUrl: string;
  urls: FakeUrls;
  messages: MessageRow[];
  /** Kabar's settings the peers use too: units in flight, database pool size, dispatcher processes. */
  maxInFlight: number;
  poolSize: number;
  processes: number;
  /** Brackets a phase with the machine's CPU readings (the orchestrator's cpuSnapshot/cpuDelta). */
  measure: <T>(pids: Record<string, number>, fn: () => Promise<T>) => Promise<{ value: T; cpu: any }>;
}

const seqOf = (id: string) => Number(/-(\d+)$/.exec(id)?.[1] ?? NaN);

/** The bare pipeline over the backlog still on the topic: its messages/s is the physical limit. */
export async function barePipeline(ctx: PeerContext, brokers: string, topic: string, events: number) {
  const bySeq: Record<number, MessageRow[]> = {};
  for (const m of ctx.messages) (bySeq[seqOf(m.event_id)] ??= []).push(m);
  const messagesFile = join(ctx.results, 'pipeline-messages.json');
  writeFileSync(messagesFile, JSON.stringify(bySeq));
  const child = startChild('pipeline', 'bench/pipeline-process.ts', {
    env: ctx.env,
    logFile: join(ctx.results, 'pipeline.log'),
    cwd: ctx.root,
  });
  try {
    await child.once('ready');
    const req: PipelineRequest = {
      brokers,
      topic,
      dbUrl: ctx.dbUrl,
      urls: ctx.urls,
      messagesFile,
      expectedEvents: events,
      maxInFlight: ctx.maxInFlight,
      poolSize: ctx.poolSize,
      chunk: 500,
    };
    const { value, cpu } = await ctx.measure({ pipeline: child.pid }, () =>
      child.rpc<Record<string, number>>('run', { ...req }, 900_000),
    );
    const r = {
      events: value.events!,
      messages: value.messages!,
      seconds: round(value.seconds!, 2),
      eventsPerSecond: round(value.eventsPerSecond!, 1),
      messagesPerSecond: round(value.messagesPerSecond!, 1),
      transactions: value.transactions!,
      sqlStatementsPerMessage: round(value.statements! / Math.max(1, value.messages!), 2),
      cpuMsPerMessage: round(value.cpuMsPerMessage!, 3),
      cpu,
    };
    log(
      `bare pipeline: ${r.messagesPerSecond} messages/s (${r.messages} messages of ${r.events} events in ${r.seconds} s, ${r.transactions} transactions; ${r.cpuMsPerMessage} ms CPU/message in its process)`,
    );
    return r;
  } finally {
    await child.stop();
  }
}

/** The BullMQ peer: every message as a job (addBulk), drained by worker processes at a tuned concurrency. */
export async function bullmqPeer(ctx: PeerContext, redis: { host: string; port: number }, concurrency: number) {
  const name = `kabar-bench-${Date.now().toString(36)}`;
  const queue = new Queue<MessageRow>(name, { connection: { ...redis, maxRetriesPerRequest: null } });
  const sql = pgClient(ctx.dbUrl, 2);
  const workers: Child[] = [];
  try {
    const tenants = await mirrorTenants(sql, [...new Set(ctx.messages.map((m) => m.tenant_id))], 'Bench bullmq');
    // The backlog, as with Kafka, is queued before any worker runs: addBulk in chunks (one round trip each).
    const t = performance.now();
    const opts = { removeOnComplete: true, removeOnFail: 1000, attempts: 3 };
    for (let i = 0; i < ctx.messages.length; i += 1000) {
      await queue.addBulk(
        ctx.messages
          .slice(i, i + 1000)
          .map((m) => ({ name: m.channel, data: { ...m, tenant_id: tenants.get(m.tenant_id)! }, opts })),
      );
    }
    const enqueueSeconds = (performance.now() - t) / 1000;
    for (let i = 0; i < ctx.processes; i++) {
      const w = startChild(`bullmq-${i}`, 'bench/bullmq-process.ts', {
        env: ctx.env,
        logFile: join(ctx.results, `bullmq-${i}.log`),
        cwd: ctx.root,
      });
      workers.push(w);
      await w.once('ready');
    }
    const pids = Object.fromEntries(workers.map((w) => [w.name, w.pid]));
    const req: WorkerRequest = {
      queue: name,
      redis,
      dbUrl: ctx.dbUrl,
      urls: ctx.urls,
      concurrency,
      poolSize: ctx.poolSize,
    };
    const { cpu } = await ctx.measure(pids, async () => {
      for (const w of workers) await w.rpc('start', { ...req });
      for (;;) {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        if (Object.values(c).every((n) => n === 0)) break;
        await sleep(100);
      }
    });
    const stats = await Promise.all(
      workers.map((w) =>
        w.rpc<{ completed: number; failed: number; firstAt: number; lastAt: number; cpuSeconds: number }>('stats'),
      ),
    );
    const completed = stats.reduce((a, s) => a + s.completed, 0);
    const seconds =
      (Math.max(...stats.map((s) => s.lastAt)) - Math.min(...stats.filter((s) => s.firstAt).map((s) => s.firstAt))) /
      1000;
    const r = {
      version: (
        JSON.parse(readFileSync(join(ctx.root, 'node_modules', 'bullmq', 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version,
      processes: ctx.processes,
      concurrency,
      messages: completed,
      failed: stats.reduce((a, s) => a + s.failed, 0),
      seconds: round(seconds, 2),
      messagesPerSecond: round(completed / seconds, 1),
      enqueueSeconds: round(enqueueSeconds, 2),
      cpuMsPerMessage: round((stats.reduce((a, s) => a + s.cpuSeconds, 0) * 1000) / Math.max(1, completed), 3),
      cpu,
    };
    log(
      `BullMQ ${r.version} peer: ${r.messagesPerSecond} messages/s (${completed} jobs in ${r.seconds} s, ${r.processes} worker process(es) at concurrency ${concurrency}; addBulk took ${r.enqueueSeconds} s)`,
    );
    return r;
  } finally {
    for (const w of workers) await w.stop().catch(() => {});
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await sql.end({ timeout: 5 });
  }
}
