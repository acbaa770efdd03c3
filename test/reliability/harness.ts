import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDatabase } from '../../src/db/db-client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { freePort } from '../helpers/net.js';

// What the reliability suite needs beyond the integration helpers: Kabar as a real child process
// (so it can be killed with SIGKILL), and throwaway PostgreSQL clusters of its own to stop and start.

const ROOT = resolve(import.meta.dirname, '../..');

export interface KabarProcess {
  pid: number;
  /** Every log line (pino JSON) the process wrote. */
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then waits for a clean exit (fails the test if it had to be killed). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npm start` as a separate process, with the given environment; resolves once it says it is running. */
export async function spawnKabar(env: Record<string, string>, readyTimeoutMs = 60_000): Promise<KabarProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let buffered = '';
  let onLine: ((line: string) => void) | null = null;
  const take = (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      logs.push(line);
      onLine?.(line);
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  process.once('exit', () => child.kill('SIGKILL'));

  await new Promise<void>((ready, fail) => {
    // A late starter must not live on unseen: it would join the consumer group and take partitions.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`Kabar did not start in ${readyTimeoutMs} ms:\n${logs.slice(-20).join('\n')}`));
    }, readyTimeoutMs);
    onLine = (line) => {
      if (line.includes('Kabar is running')) {
        clearTimeout(timer);
        ready();
      }
    };
    void exited.then(({ code }) => {
      clearTimeout(timer);
      fail(new Error(`Kabar exited (${code}) before it was running:\n${logs.slice(-30).join('\n')}`));
    });
  });
  onLine = null;
  return {
    pid: child.pid!,
    logs,
    exited,
    kill: (signal) => void child.kill(signal),
    async stop(timeoutMs = 30_000) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

export interface ThrowawayPostgres {
  /** Superuser URL of the database Kabar uses (migrated). */
  url: string;
  port: number;
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  destroy(): void;
}

function pgBin(tool: string): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const p = join(base, v, 'bin', tool);
    if (existsSync(p)) return p;
  }
  return tool; // on PATH
}

/** PostgreSQL refuses to run as root: run its tools as the `postgres` user when we are root. */
function pgRun(tool: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', pgBin(tool), ...args]] : [pgBin(tool), args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
}

/**
 * A PostgreSQL cluster of the test's own (initdb in a temporary folder, its own port), so a
 * test can stop and start it without touching the machine's shared server.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'kabar-pg-'));
  if (process.getuid?.() === 0)
    chownSync(
      dir,
      Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
      Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
    );
  const data = join(dir, 'data');
  const port = await freePort();
  pgRun('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const start = () =>
    pgRun('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      'start',
    ]);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const handle = await openDatabase({ databaseUrl: url, poolSize: 1 });
  await runMigrations(handle);
  await handle.close();
  let running = true;
  return {
    url,
    port,
    stop(mode = 'fast') {
      pgRun('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
      running = false;
    },
    start() {
      start();
      running = true;
    },
    destroy() {
      if (running) {
        try {
          pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
        } catch {
          /* already gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
