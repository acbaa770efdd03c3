import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Small shared helpers for the benchmark: percentiles, child processes with request/reply over
// IPC, and /proc readings (RSS, CPU time) so every process's cost can be reported on its own.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Percentile by nearest rank on a copy (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(values: number[]): {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
} {
  const s = Float64Array.from(values).sort();
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
  return {
    n: s.length,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s.length ? s[s.length - 1]! : NaN,
    mean,
  };
}

export const round = (n: number, digits = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);

/** Runs `fn` over items with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function log(msg: string) {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${t}] ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// Child processes: `node --import tsx <file>` with an IPC channel; rpc() sends {id, type, ...}
// and resolves with the child's {id, ...} reply. Output goes to a log file.

export interface Child {
  proc: ChildProcess;
  pid: number;
  name: string;
  rpc<T = any>(type: string, body?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Resolves with the first message of this type the child sends on its own. */
  once<T = any>(type: string, timeoutMs?: number): Promise<T>;
  stop(timeoutMs?: number): Promise<void>;
}

export function startChild(
  name: string,
  file: string,
  opts: { env: NodeJS.ProcessEnv; logFile: string; nodeArgs?: string[]; cwd: string },
): Child {
  const out = openSync(opts.logFile, 'w');
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', file], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', out, out, 'ipc'],
  });
  let seq = 0;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  const waiters = new Map<string, ((v: any) => void)[]>();
  proc.on('message', (m: any) => {
    if (m && typeof m.id === 'number' && pending.has(m.id)) {
      const p = pending.get(m.id)!;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new Error(`${name}: ${m.error}`));
      else p.resolve(m);
      return;
    }
    const list = m && typeof m.type === 'string' ? waiters.get(m.type) : undefined;
    if (list?.length) {
      waiters.delete(m.type);
      for (const w of list) w(m);
    }
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  void exited.then((code) => {
    for (const [, p] of pending) p.reject(new Error(`${name} exited (code ${code}); see ${opts.logFile}`));
    pending.clear();
  });
  return {
    proc,
    pid: proc.pid!,
    name,
    rpc(type, body = {}, timeoutMs = 120_000) {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: no answer to ${type} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        proc.send({ id, type, ...body });
      });
    },
    once(type, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name}: no "${type}" within ${timeoutMs} ms; see ${opts.logFile}`)),
          timeoutMs,
        );
        const list = waiters.get(type) ?? [];
        list.push((v) => {
          clearTimeout(timer);
          resolve(v);
        });
        waiters.set(type, list);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (code ${code}) before "${type}"; see ${opts.logFile}`));
        });
      });
    },
    async stop(timeoutMs = 20_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.send({ id: ++seq, type: 'stop' });
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Child side: answers the parent's rpc() calls. */
export function serveParent(handlers: Record<string, (m: any) => unknown | Promise<unknown>>) {
  process.on('message', async (m: any) => {
    const h = handlers[m?.type];
    if (!h) return void process.send?.({ id: m?.id, error: `unknown request ${m?.type}` });
    try {
      const body = (await h(m)) ?? {};
      process.send?.({ id: m.id, ...(body as object) });
    } catch (err) {
      process.send?.({ id: m.id, error: (err as Error)?.stack ?? String(err) });
    }
  });
  // The parent going away must not leave us running.
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// /proc readings

const CLK_TCK = 100; // Linux USER_HZ is 100 on every mainstream distribution

/** User+system CPU seconds of one process (0 when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (0-based after the comm field)
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** VmRSS and VmHWM (peak) in MB. */
export function memoryMb(pid: number): { rss: number; hwm: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** CPU seconds of every process with this command name (e.g. all PostgreSQL backends). */
export function cpuSecondsByComm(comm: string): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(join('/proc', d, 'comm'), 'utf8').trim() !== comm) continue;
      total += cpuSeconds(Number(d));
    } catch {
      // gone
    }
  }
  return total;
}

/** Whole-machine busy and total jiffies (for utilisation over an interval). */
export function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Samples RSS of a process every `ms` until stopped; returns the highest VmRSS seen. */
export function rssSampler(pid: number, ms = 250) {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, memoryMb(pid).rss)), ms);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, memoryMb(pid).rss);
    },
  };
}
