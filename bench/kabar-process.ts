import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/db-client.js';
import { channelsFor, parseRoles, startRuntime } from '../src/runtime.js';
import { serveParent } from './lib/util.js';

// Kabar as the benchmark runs it: one process per role set (KABAR_ROLES=dispatcher, or api),
// real channel adapters pointed at the bench fakes through the usual environment variables.
// Answers the orchestrator over IPC: SQL statement counter, event-loop utilisation, memory.
//
// BENCH_SQL_DETAIL=1 also tallies statements by normalised SQL text (for the profile).

const config = loadConfig(process.env);
const sqlByText = new Map<string, number>();

function normalise(q: string): string {
  return q
    .replace(/\$\d+/g, '?')
    .replace(/\((\s*\?\s*,)+\s*\?\s*\)/g, '(?…)')
    .replace(/(,\s*\(\?…\))+/g, ', …')
    .replace(/\s+/g, ' ')
    .slice(0, 220);
}

const tally = (q: string) => {
  const k = normalise(q);
  sqlByText.set(k, (sqlByText.get(k) ?? 0) + 1);
};
const db =
  process.env.BENCH_SQL_DETAIL === '1'
    ? await openDatabase({
        databaseUrl: config.DATABASE_URL,
        poolSize: config.DATABASE_POOL_SIZE,
        preparedStatements: config.DATABASE_PREPARED_STATEMENTS === 'true',
        onQuery: tally,
      })
    : undefined;
const roles = parseRoles(config.KABAR_ROLES);
const runtime = await startRuntime(config, {
  channels: channelsFor(config),
  roles,
  migrate: false,
  db,
  port: config.PORT,
  host: '127.0.0.1',
});
let profiler: Session | undefined;
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

serveParent({
  stats: () => {
    const elu = performance.eventLoopUtilization();
    const out = {
      statements: runtime.core.db.stats.statements,
      elu: { idle: elu.idle, active: elu.active },
      loopDelayMs: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
      memory: process.memoryUsage(),
      sqlByText: db ? [...sqlByText.entries()].sort((a, b) => b[1] - a[1]) : undefined,
    };
    return out;
  },
  resetLoopDelay: () => {
    delay.reset();
  },
  resetSqlDetail: () => {
    sqlByText.clear();
  },
  // CPU profile of exactly the phase the orchestrator brackets (not start-up, not idle time).
  profileStart: async () => {
    profiler ??= new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
    await profiler.post('Profiler.start');
  },
  profileStop: async (m: { file: string }) => {
    if (!profiler) throw new Error('profileStart first');
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(m.file, JSON.stringify(profile));
    profiler.disconnect();
    profiler = undefined;
    return { file: m.file };
  },
  stop: async () => {
    // Reply first, then drain and exit normally (so --cpu-prof writes its profile).
    setTimeout(async () => {
      await runtime.stop().catch(() => {});
      process.exit(0);
    }, 5);
  },
});

process.on('SIGTERM', async () => {
  await runtime.stop().catch(() => {});
  process.exit(0);
});

process.send?.({ type: 'ready', url: runtime.server?.url });
