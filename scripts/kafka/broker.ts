import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

/** Must match <kafka.version> in pom.xml beside this file (part of the cache folder name). */
export const KAFKA_VERSION = '3.9.2';

const POM = fileURLToPath(new URL('./pom.xml', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

type Log = (s: string) => void;
const quiet: Log = () => {};

export interface KafkaBroker {
  brokers: string;
  pid: number;
  stop(): Promise<void>;
}

export interface StartKafkaOptions {
  cacheDir?: string;
  /** Kept between runs (topics survive restarts); default: a temp folder removed by stop(). */
  dataDir?: string;
  port?: number;
  controllerPort?: number;
  log?: Log;
}

const INSTALL_HINT =
  'Install it (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless maven`), or set ' +
  'KAFKA_BROKERS=host:port to point Kabar and its tests at an existing Kafka 3.x cluster instead.';

/** Downloads the broker jars once (Maven) into a cache outside the repo; returns the libs folder. */
export async function ensureKafkaJars(opts: { cacheDir?: string; log?: Log } = {}): Promise<string> {
  const log = opts.log ?? quiet;
  const cacheDir = resolve(opts.cacheDir ?? process.env.KABAR_KAFKA_CACHE ?? join(homedir(), '.cache', 'kabar-kafka', KAFKA_VERSION));
  const libs = join(cacheDir, 'libs');
  await requireTool('java', 'a Java runtime (17+)');
  // The marker holds the pom's hash, so editing the pom refreshes the cache.
  const pomHash = createHash('sha256').update(await readFile(POM)).digest('hex');
  if (await markerMatches(libs, pomHash)) return libs;

  const mvn = await requireTool('mvn', 'Maven (to download the Kafka broker jars once)');
  await mkdir(cacheDir, { recursive: true });
  // Download next to the final folder, then rename: a concurrent run never sees half a download.
  const staging = await mkdtemp(join(cacheDir, 'libs.tmp-'));
  log(`Downloading Kafka ${KAFKA_VERSION} jars into ${libs} (once)...`);
  const started = Date.now();
  try {
    const args = ['-q', '-B', '-Dstyle.color=never', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'];
    const { code, output } = await run(mvn, args);
    if (code !== 0) throw new Error(`mvn failed (exit ${code}) while fetching Kafka jars:\n${tail(output, 30)}`);
    await writeFile(join(staging, '.complete'), pomHash);
    await rm(libs, { recursive: true, force: true });
    await rename(staging, libs);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if (await markerMatches(libs, pomHash)) return libs; // another run won the race
    throw err;
  }
  log(`Kafka jars ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return libs;
}

/** Starts a single-node KRaft broker (broker + controller in one JVM) on 127.0.0.1. */
export async function startKafkaBroker(opts: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const log = opts.log ?? quiet;
  const libs = await ensureKafkaJars({ cacheDir: opts.cacheDir, log });
  const java = await requireTool('java', 'a Java runtime (17+)');
  // A taken port would make us "find" someone else's broker there: check it is free first.
  const port = await reservePort(opts.port ?? 0);
  const controllerPort = await reservePort(opts.controllerPort ?? 0);
  const keep = opts.dataDir !== undefined;
  const workDir = keep ? resolve(opts.dataDir!) : await mkdtemp(join(tmpdir(), 'kabar-kafka-'));
  const dataDir = join(workDir, 'data');
  await mkdir(dataDir, { recursive: true });

  const props = join(workDir, 'server.properties');
  const log4j = join(workDir, 'log4j.properties');
  const outFile = join(workDir, 'broker.out');
  await writeFile(props, serverProperties(port, controllerPort, dataDir));
  await writeFile(log4j, log4jProperties(join(workDir, 'broker.log')));
  const classpath = join(libs, '*');
  const jvm = [`-Dlog4j.configuration=file:${log4j}`, '-Djava.awt.headless=true', '-cp', classpath];

  // Formatting twice would fail ("already formatted"): a kept data dir is formatted once.
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const { code, output } = await run(java, [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props]);
    if (code !== 0) {
      if (!keep) await rm(workDir, { recursive: true, force: true });
      throw new Error(`Kafka storage format failed (exit ${code}):\n${tail(output, 30)}`);
    }
  }

  const out = openSync(outFile, 'w');
  // The local broker shares two cores with Kabar, PostgreSQL and the tests, and lives minutes. C2
  // was still compiling minutes in, and its tiered, profiling code was the slow kind meanwhile:
  // at 100 single-message produce requests a second the broker took 0.41-0.82 core with C2 and
  // G1, 0.25-0.34 with C1 alone and the serial collector (a small heap needs no concurrent GC
  // threads). Peak broker speed matters less here than the CPU it leaves to everything else.
  const child = spawn(java, ['-Xms256m', '-Xmx512m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:+ExitOnOutOfMemoryError', ...jvm, 'kafka.Kafka', props], {
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<string>((done) => child.once('exit', (code, signal) => done(signal ?? `code ${code}`)));
  child.once('error', () => {}); // reported through 'exit' / the readiness timeout
  // Never leave a JVM behind: kill it when Node exits without calling stop() (sync hook) or is killed (watchdog).
  const killOnExit = () => {
    child.kill('SIGKILL');
    if (!keep) rmSync(workDir, { recursive: true, force: true });
  };
  process.on('exit', killOnExit);
  const watchdog = startWatchdog(child.pid!, keep ? '' : workDir);

  const brokers = `127.0.0.1:${port}`;
  const logTail = () => [outFile, join(workDir, 'broker.log')].map((f) => tail(safeRead(f), 25)).filter(Boolean).join('\n');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      watchdog.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // Kafka's shutdown hook flushes logs and closes the metadata log
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
      if (!keep) await rm(workDir, { recursive: true, force: true });
    })());

  try {
    await waitUntilReady(brokers, exited);
  } catch (err) {
    const tailText = logTail();
    await stop();
    throw new Error(`${(err as Error).message}\n--- broker log tail ---\n${tailText}`);
  }
  return { brokers, pid: child.pid!, stop };
}

function serverProperties(port: number, controllerPort: number, dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    // Kabar creates its own topics (ensureTopics); a typo must not create a new one.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    // One node: small internal topics, no rebalance delay, fewer threads and buffers = fast start, small heap.
    'offsets.topic.num.partitions=5',
    'transaction.state.log.num.partitions=5',
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=4',
    'background.threads=4',
    'num.recovery.threads.per.data.dir=1',
    'log.cleaner.threads=1',
    'log.cleaner.dedupe.buffer.size=16777216',
    'log.segment.bytes=67108864',
    'log.retention.hours=168',
    'auto.leader.rebalance.enable=false',
    'delete.topic.enable=true',
    '',
  ].join('\n');
}

function log4jProperties(file: string): string {
  // WARN and above to a file: the broker's INFO chatter would drown test output.
  return [
    'log4j.rootLogger=WARN, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    'log4j.appender.file.Append=false',
    `log4j.appender.file.File=${file}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka=WARN',
    'log4j.logger.org.apache.kafka=WARN',
    '',
  ].join('\n');
}

async function waitUntilReady(brokers: string, exited: Promise<string>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let dead: string | undefined;
  void exited.then((how) => (dead = how));
  const kafka = new Kafka({ clientId: 'kabar-broker-probe', brokers: [brokers], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } });
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (dead !== undefined) throw new Error(`Kafka broker exited (${dead}) before it was ready`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Kafka broker on ${brokers} not ready after ${READY_TIMEOUT_MS / 1000} s (${lastError})`);
}

/**
 * process.on('exit') does not run when Node is killed (SIGKILL, OOM, a CI timeout). This tiny
 * shell holds a pipe from us: when we die the pipe closes, `read` returns, and it stops the JVM
 * (TERM, then KILL after 10 s) and removes the temp folder.
 */
function startWatchdog(pid: number, removeDir: string): ChildProcess {
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

async function requireTool(name: string, what: string): Promise<string> {
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

async function markerMatches(libs: string, pomHash: string): Promise<boolean> {
  try {
    return (await readFile(join(libs, '.complete'), 'utf8')).trim() === pomHash;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', fail);
    child.once('close', (code) => done({ code: code ?? 1, output }));
  });
}

/** Kafka cluster ids are 16 random bytes in URL-safe base64; Kafka avoids a leading '-' (reads as a flag). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Port 0 = any free one. Rejects when the port is taken. */
function reservePort(port: number): Promise<number> {
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

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
