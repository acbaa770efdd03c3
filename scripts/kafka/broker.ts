// A single-node KRaft Kafka broker for tests, `npm run kafka` and the bench: jars from Maven
// Central (jars.ts), one JVM on loopback. Tooling only: src/ never imports this folder.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { loggingConfig, serverProperties } from './config.js';
import { ensureKafkaJars } from './jars.js';
import { requireTool, reservePort, run, safeRead, startWatchdog, tail } from './process.js';
import { kafkaRelease } from './versions.js';

export { ensureKafkaJars } from './jars.js';
export { DEFAULT_KAFKA_VERSION, kafkaRelease, type KafkaRelease } from './versions.js';

// Kafka 4.x starts in 15-40 s on two shared cores; it took over 60 s with a dozen other test runs on them.
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

type Log = (s: string) => void;

export interface KafkaBroker {
  brokers: string;
  /** The Apache Kafka version running, e.g. 4.4.0. */
  version: string;
  pid: number;
  stop(): Promise<void>;
}

export interface StartKafkaOptions {
  /** 3.9, 4, or a full version; default KABAR_TEST_KAFKA_VERSION, else DEFAULT_KAFKA_VERSION. */
  version?: string;
  /** The version's jar folder; default $KABAR_KAFKA_CACHE/kafka-<version> (~/.cache/kabar-kafka). */
  cacheDir?: string;
  /** Kept between runs (topics survive restarts); default: a temp folder removed by stop(). */
  dataDir?: string;
  port?: number;
  controllerPort?: number;
  log?: Log;
}

/** Starts a single-node KRaft broker (broker + controller in one JVM) on 127.0.0.1. */
export async function startKafkaBroker(opts: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const log = opts.log ?? (() => {});
  const release = kafkaRelease(opts.version);
  const libs = await ensureKafkaJars({ release, cacheDir: opts.cacheDir, log });
  const java = await requireTool('java', 'a Java runtime (17+)');
  // A taken port would make us "find" someone else's broker there: check it is free first.
  const port = await reservePort(opts.port ?? 0);
  const controllerPort = await reservePort(opts.controllerPort ?? 0);
  const keep = opts.dataDir !== undefined;
  const workDir = keep ? resolve(opts.dataDir!) : await mkdtemp(join(tmpdir(), 'kabar-kafka-'));
  const dataDir = join(workDir, 'data');
  await mkdir(dataDir, { recursive: true });

  const props = join(workDir, 'server.properties');
  const logging = loggingConfig(release, join(workDir, 'broker.log'));
  const outFile = join(workDir, 'broker.out');
  await writeFile(props, serverProperties(port, controllerPort, dataDir));
  await writeFile(join(workDir, logging.name), logging.text);
  const jvm = [logging.flag(join(workDir, logging.name)), '-Djava.awt.headless=true', '-cp', join(libs, '*')];

  // Formatting twice would fail ("already formatted"): a kept data dir is formatted once.
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const format = ['kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props];
    const { code, output } = await run(java, [...jvm, ...format]);
    if (code !== 0) {
      if (!keep) await rm(workDir, { recursive: true, force: true });
      throw new Error(`Kafka ${release.version} storage format failed (exit ${code}):\n${tail(output, 30)}`);
    }
  }

  const out = openSync(outFile, 'w');
  // The local broker shares two cores with Kabar, PostgreSQL and the tests, and lives minutes. C2
  // was still compiling minutes in, and its tiered, profiling code was the slow kind meanwhile:
  // at 100 single-message produce requests a second the broker took 0.41-0.82 core with C2 and
  // G1, 0.25-0.34 with C1 alone and the serial collector (a small heap needs no concurrent GC
  // threads). Peak broker speed matters less here than the CPU it leaves to everything else.
  const flags = ['-Xms256m', '-Xmx512m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:+ExitOnOutOfMemoryError'];
  const child = spawn(java, [...flags, ...jvm, 'kafka.Kafka', props], { stdio: ['ignore', out, out] });
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
  const logTail = () =>
    [outFile, join(workDir, 'broker.log')]
      .map((f) => tail(safeRead(f), 25))
      .filter(Boolean)
      .join('\n');

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
    throw new Error(`Kafka ${release.version}: ${(err as Error).message}\n--- broker log tail ---\n${tailText}`);
  }
  return { brokers, version: release.version, pid: child.pid!, stop };
}

async function waitUntilReady(brokers: string, exited: Promise<string>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let dead: string | undefined;
  void exited.then((how) => (dead = how));
  const kafka = new Kafka({
    clientId: 'kabar-broker-probe',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  });
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

/** Kafka cluster ids are 16 random bytes in URL-safe base64; Kafka avoids a leading '-' (reads as a flag). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
