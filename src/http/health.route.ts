import express, { type Router } from 'express';
import { Kafka, logLevel } from 'kafkajs';
import type { Core } from '../core.js';
import { withPlatform } from '../db/tenant.js';
import { parseBrokers } from '../kafka/kafka-admin.js';
import { pingDatabase } from '../services/health.service.js';

// GET /healthz: the process is alive and serving HTTP (liveness: restart me when this fails).
// GET /readyz: what this process needs answers: PostgreSQL (a trivial query through the same
// handle and role switch every request uses) and, with KAFKA_BROKERS, the Kafka cluster
// (describeCluster, cached for a few seconds so a busy probe does not hammer the brokers).
// 200 when every check passes, 503 otherwise; the body names each check.

export interface CheckResult {
  status: 'ok' | 'fail';
  latencyMs: number;
  error?: string;
  [detail: string]: unknown;
}

export interface Readiness {
  status: 'ok' | 'unavailable';
  checks: Record<string, CheckResult>;
}

export interface HealthOptions {
  /** Per-check timeout (default 2 s). */
  timeoutMs?: number;
  /** How long a Kafka answer is reused (default 5 s). */
  kafkaCacheMs?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function timed(fn: () => Promise<Record<string, unknown>>): Promise<CheckResult> {
  const started = performance.now();
  try {
    const details = await fn();
    return { status: 'ok', latencyMs: Math.round(performance.now() - started), ...details };
  } catch (err) {
    return {
      status: 'fail',
      latencyMs: Math.round(performance.now() - started),
      error: ((err as Error)?.message ?? String(err)).slice(0, 300),
    };
  }
}

/** The readiness checks of one app; Kafka's answer is shared for `kafkaCacheMs`. */
export function readinessChecker(app: Core, opts: HealthOptions = {}): () => Promise<Readiness> {
  const timeoutMs = opts.timeoutMs ?? 2_000;
  const cacheMs = opts.kafkaCacheMs ?? 5_000;
  const brokers = app.config.KAFKA_BROKERS;
  let kafkaCache: { at: number; result: Promise<CheckResult> } | undefined;

  const database = () =>
    timed(async () => {
      await withTimeout(withPlatform({ db: app.db, actor: 'system' }, pingDatabase), timeoutMs, 'PostgreSQL');
      return { kind: app.db.kind };
    });

  const probeKafka = () =>
    timed(async () => {
      const kafka = new Kafka({
        clientId: `${app.config.KAFKA_CLIENT_ID}-health`,
        brokers: parseBrokers(brokers!),
        logLevel: logLevel.NOTHING,
        connectionTimeout: Math.min(timeoutMs, 1_500),
        requestTimeout: timeoutMs,
        retry: { retries: 0 },
      });
      const admin = kafka.admin();
      try {
        const cluster = await withTimeout(
          (async () => {
            await admin.connect();
            return admin.describeCluster();
          })(),
          timeoutMs,
          'Kafka',
        );
        return { brokers: cluster.brokers.length, controller: cluster.controller };
      } finally {
        void admin.disconnect().catch(() => {});
      }
    });

  const kafkaCheck = async (): Promise<CheckResult> => {
    const now = Date.now();
    if (!kafkaCache || now - kafkaCache.at > cacheMs) kafkaCache = { at: now, result: probeKafka() };
    const cachedFor = now - kafkaCache.at;
    const result = await kafkaCache.result;
    return cachedFor > 0 ? { ...result, cachedMs: cachedFor } : result;
  };

  return async () => {
    const [db, kafka] = await Promise.all([database(), brokers ? kafkaCheck() : undefined]);
    const checks: Record<string, CheckResult> = { database: db };
    if (kafka) checks.kafka = kafka;
    const ok = Object.values(checks).every((c) => c.status === 'ok');
    return { status: ok ? 'ok' : 'unavailable', checks };
  };
}

/** Mounted at the root: GET /healthz and GET /readyz. */
export function healthRouter(app: Core, opts: HealthOptions = {}): Router {
  const router = express.Router();
  const ready = readinessChecker(app, opts);
  router.get('/healthz', (_req, res) => {
    res.set('cache-control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const r = await ready();
    res
      .set('cache-control', 'no-store')
      .status(r.status === 'ok' ? 200 : 503)
      .json(r);
  });
  return router;
}
