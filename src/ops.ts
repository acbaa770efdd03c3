import { createServer, type Server } from 'node:http';
import express from 'express';
import type { Core } from './core.js';
import { healthRouter } from './http/health.route.js';
import { metricsRouter } from './http/metrics.route.js';
import { watchConsumerLag } from './metrics.js';

// Operations wiring for one runtime (src/runtime.ts): the consumer-lag gauge when Kafka is used,
// and, for a process without the API role (a dispatcher or scheduler alone has no HTTP server),
// a small HTTP listener on KABAR_OPS_PORT serving /healthz, /readyz and /metrics.

export interface OpsOptions {
  /** True when the API role serves /healthz, /readyz and /metrics already. */
  api: boolean;
  /** Listener for the other roles; default KABAR_OPS_PORT (unset = none). */
  opsPort?: number;
  opsHost?: string;
}

export interface Ops {
  /** The ops listener's base URL, when one was started. */
  url?: string;
  stop(): Promise<void>;
}

export function opsPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.KABAR_OPS_PORT?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`KABAR_OPS_PORT must be a port number (got "${raw}")`);
  return port;
}

export async function startOps(app: Core, opts: OpsOptions): Promise<Ops> {
  const c = app.config;
  const lag = c.KAFKA_BROKERS
    ? watchConsumerLag({
        brokers: c.KAFKA_BROKERS,
        clientId: c.KAFKA_CLIENT_ID,
        groupId: c.KAFKA_CONSUMER_GROUP,
        topic: c.KAFKA_EVENTS_TOPIC,
      })
    : undefined;
  const port = opts.api ? undefined : (opts.opsPort ?? opsPortFromEnv());
  let server: Server | undefined;
  let url: string | undefined;
  if (port !== undefined) {
    const web = express();
    web.disable('x-powered-by');
    web.use(healthRouter(app));
    web.use(metricsRouter());
    server = createServer(web);
    const host = opts.opsHost ?? c.HOST;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, host, () => resolve());
    });
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}`;
    app.logger.info({ url }, 'operations endpoints: /healthz /readyz /metrics');
  }
  return {
    url,
    async stop() {
      if (server) {
        const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      }
      await lag?.stop();
    },
  };
}
