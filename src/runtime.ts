import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { createApp, type App } from './app.js';
import { channelSettingsFromConfig, createChannels, createSandboxChannels, type Channels } from './channels/index.js';
import { logger as rootLogger } from './logger.js';
import type { Config } from './config.js';
import { startEventsConsumer } from './consumers/events.consumer.js';
import { startLiveConsumer } from './consumers/live.consumer.js';
import { createCore, type Core } from './core.js';
import type { DbHandle } from './db/db-client.js';
import { createDispatcher, type Dispatcher } from './dispatcher.js';
import { localSink } from './ingest.js';
import { openKafka } from './kafka/transport.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { startServer, type RunningServer } from './server.js';
import { configureConfigCache, watchConfigChanges } from './services/config-cache.service.js';
import { startOps } from './ops.js';

export type RoleName = 'api' | 'dispatcher' | 'scheduler';

export interface RuntimeOptions {
  /** Channel adapters (tests point real adapters at fake providers); default from configuration. */
  channels: Channels;
  roles?: RoleName[];
  db?: DbHandle;
  migrate?: boolean;
  port?: number;
  host?: string;
  now?: () => Date;
  /** How SNS signing certificates are fetched (tests serve their own). */
  snsFetchCert?: (url: string) => Promise<string>;
  /** Background loops (retry sweep, scheduler ticks); tests may drive them by hand. */
  loops?: boolean;
  /** Where this runtime logs (default: the process logger, JSON lines on stdout at LOG_LEVEL). */
  logger?: Logger;
}

export interface Runtime {
  core: Core;
  /** The API (GraphQL schema, HTTP routes' world); absent when this process has no api role. */
  app?: App;
  dispatcher: Dispatcher;
  scheduler: Scheduler;
  server?: RunningServer;
  stop(): Promise<void>;
}

export function parseRoles(value: string): RoleName[] {
  const roles = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const bad = roles.filter((r) => !['api', 'dispatcher', 'scheduler'].includes(r));
  if (bad.length || roles.length === 0)
    throw new Error(`KABAR_ROLES must list api, dispatcher and/or scheduler (got "${value}")`);
  return roles as RoleName[];
}

/**
 * Assembles and starts the roles this process runs, each piece given what it needs when it is
 * built: the core (database, bus, channels…), then Kafka's transport in servers mode, the
 * dispatcher and scheduler over the core, the sink events go to, and the API over all of them.
 * Embedded mode (no KAFKA_BROKERS): the HTTP ingest feeds the in-process dispatcher. Servers mode:
 * events come from kabar.events, every change goes through Kafka so every API instance streams it.
 */
export async function startRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  const roles = new Set(opts.roles ?? parseRoles(config.KABAR_ROLES));
  const log = opts.logger ?? rootLogger;
  configureConfigCache(config.KABAR_CONFIG_CACHE_MS);
  const brokers = config.KAFKA_BROKERS;
  const kafka = brokers ? await openKafka(config, brokers, log) : undefined;
  const core = await createCore(config, {
    channels: opts.channels,
    db: opts.db,
    migrate: opts.migrate,
    logger: log,
    now: opts.now,
    forward: kafka?.forwardLive,
  });
  const unwatchConfig = await watchConfigChanges(core.db);
  const dispatcher = createDispatcher(core);
  const scheduler = createScheduler(core, dispatcher);
  const sink = kafka?.sink ?? localSink(dispatcher, config.KABAR_MAX_IN_FLIGHT, log);

  const consumers: Consumer[] = [];
  if (kafka && roles.has('api')) {
    consumers.push(await startLiveConsumer(kafka.kafka, core.bus, config.KAFKA_LIVE_TOPIC, log));
  }
  if (roles.has('dispatcher')) {
    if (kafka) {
      const eventsOpts = {
        topic: config.KAFKA_EVENTS_TOPIC,
        dlqTopic: config.KAFKA_DLQ_TOPIC,
        groupId: config.KAFKA_CONSUMER_GROUP,
        maxInFlight: config.KABAR_MAX_IN_FLIGHT,
        maxBatchEvents: config.KABAR_DISPATCH_BATCH,
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      };
      consumers.push(await startEventsConsumer(kafka.kafka, kafka.producer, dispatcher, eventsOpts, log));
    }
    if (opts.loops !== false) dispatcher.start();
  }
  if (roles.has('scheduler') && opts.loops !== false) scheduler.start();
  const app = roles.has('api') ? await createApp(core, { sink, emitInternal: dispatcher.emitInternal }) : undefined;
  const server = app
    ? await startServer(app, opts.port ?? config.PORT, opts.host ?? config.HOST, { snsFetchCert: opts.snsFetchCert })
    : undefined;
  const ops = await startOps(core, { api: !!server });

  return {
    core,
    app,
    dispatcher,
    scheduler,
    server,
    async stop() {
      // Stop taking work, let in-flight work finish and commit, then close connections.
      await server?.stop();
      await ops.stop();
      for (const c of consumers) await c.disconnect().catch(() => {});
      await sink.drain?.();
      await scheduler.stop();
      await dispatcher.stop();
      await kafka?.stop();
      await unwatchConfig().catch(() => {});
      await core.close();
    },
  };
}

/** Real adapters in servers mode; sandbox (recorded, never sent) in embedded mode or when asked. */
export function channelsFor(config: Config, log = rootLogger): Channels {
  const sandbox = config.KABAR_SANDBOX_PROVIDERS ? config.KABAR_SANDBOX_PROVIDERS === 'true' : config.embedded;
  if (!sandbox) return createChannels(channelSettingsFromConfig(config));
  return createSandboxChannels((entry) =>
    log.info({ channel: entry.channel, to: entry.to }, 'sandbox: message recorded, not sent'),
  );
}
