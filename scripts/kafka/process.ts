// Process plumbing for the local Kafka broker: finding tools, running them, never leaving a JVM behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

const INSTALL_HINT =
  'Install it (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless maven`), or set ' +
  'KAFKA_BROKERS=host:port to point Kabar and its tests at an existing Kafka 3.9 or 4.x cluster instead.';

/** The tool's path on PATH ($JAVA_HOME/bin first for java); a readable error when it is missing. */
export async function requireTool(name: string, what: string): Promise<string> {
  const javaHome = name === 'java' && process.env.JAVA_HOME ? [join(process.env.JAVA_HOME, 'bin')] : [];
  for (const dir of [...javaHome, ...(process.env.PATH ?? '').split(delimiter)]) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // not in this folder
    }
  }
  throw new Error(`Cannot start a local Kafka broker: \`${name}\` (${what}) was not found on PATH. ${INSTALL_HINT}`);
}

export function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', fail);
    child.once('close', (code) => done({ code: code ?? 1, output }));
  });
}

/**
 * process.on('exit') does not run when Node is killed (SIGKILL, OOM, a CI timeout). This tiny
 * shell holds a pipe from us: when we die the pipe closes, `read` returns, and it stops the JVM
 * (TERM, then KILL after 10 s) and removes the temp folder.
 */
export function startWatchdog(pid: number, removeDir: string): ChildProcess {
  const script = [
    'read _',
    'kill -TERM "$0" 2>/dev/null',
    // An orphaned JVM can linger as a zombie until init reaps it: count that as gone.
    'alive() { kill -0 "$0" 2>/dev/null && ! grep -qs "^State:[[:space:]]*Z" "/proc/$0/status"; }',
    'i=0; while alive && [ $i -lt 40 ]; do sleep 0.25; i=$((i+1)); done',
    'kill -KILL "$0" 2>/dev/null',
    '[ -n "$1" ] && rm -rf "$1"',
  ].join('\n');
  const dog = spawn('/bin/sh', ['-c', script, String(pid), removeDir], { stdio: ['pipe', 'ignore', 'ignore'] });
  dog.once('error', () => {});
  dog.unref();
  (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return dog;
}

/** Port 0 = any free one. Rejects when the port is taken. */
export function reservePort(port: number): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'EADDRINUSE' ? new Error(`Cannot start Kafka: 127.0.0.1:${port} is already in use`) : err),
    );
    srv.listen(port, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

export function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
