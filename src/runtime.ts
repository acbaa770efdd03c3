import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { createApp, type App } from './app.js';
import { channelSettingsFromConfig, createChannels, createSandboxChannels, type Channels } from './channels/index.js';
import { logger as rootLogger } from './logger.js';
import type { Config } from './config.js';
import { startEventsConsumer } from './consumers/events.consumer.js';
import { startLiveConsumer } from './consumers/live.consumer.js';
import type { DbHandle } from './db/client.js';
import { createDispatcher, type Dispatcher } from './dispatcher.js';
import { kafkaSink, localSink } from './ingest.js';
import { ensureTopics } from './kafka/admin.js';
import { createBatchedSender, createKafka, createProducer } from './kafka/client.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { startServer, type RunningServer } from './server.js';
import { configureConfigCache, watchConfigChanges } from './services/config-cache.js';
import { statusPayload } from './services/deliveries.js';
import { instrumentBus, instrumentChannels, instrumentDispatcher, instrumentProducer } from './metrics.js';
import { startOps } from './ops.js';
import { redactingChannels } from './redact.js';

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
  app: App;
  dispatcher: Dispatcher;
  scheduler: Scheduler;
  server?: RunningServer;
  stop(): Promise<void>;
}

export function parseRoles(value: string): RoleName[] {
  const roles = value.split(',').map((r) => r.trim()).filter(Boolean);
  const bad = roles.filter((r) => !['api', 'dispatcher', 'scheduler'].includes(r));
  if (bad.length || roles.length === 0) throw new Error(`KABAR_ROLES must list api, dispatcher and/or scheduler (got "${value}")`);
  return roles as RoleName[];
}

/**
 * Builds and starts the roles this process runs. Embedded mode (no KAFKA_BROKERS): the HTTP
 * ingest feeds the in-process dispatcher. Servers mode: events come from kabar.events, every
 * change goes through Kafka so every API instance streams it.
 */
export async function startRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  const roles = new Set(opts.roles ?? parseRoles(config.KABAR_ROLES));
  // Credentials a provider echoes in an error never reach a reason, the database, the API or a log line.
  const providerSecrets = [config.SMS_AUTH_TOKEN, `${config.SMS_ACCOUNT_SID}:${config.SMS_AUTH_TOKEN}`, config.FCM_ACCESS_TOKEN, config.KABAR_JWT_SECRET, config.KABAR_ENCRYPTION_KEY];
  opts = { ...opts, channels: instrumentChannels(redactingChannels(opts.channels, () => providerSecrets)) };
  configureConfigCache(config.KABAR_CONFIG_CACHE_MS);
  const app = await createApp(config, { db: opts.db, migrate: opts.migrate, channels: opts.channels, logger: opts.logger });
  const log = app.logger;
  const unwatchConfig = await watchConfigChanges(app.db);
  instrumentBus(app.bus);
  const consumers: Consumer[] = [];
  let producer: Producer | undefined;
  let kafka: Kafka | undefined;
  let changes: ReturnType<typeof createBatchedSender> | undefined;
  const brokers = config.KAFKA_BROKERS;

  if (brokers) {
    await ensureTopics(brokers, [
      { topic: config.KAFKA_EVENTS_TOPIC, numPartitions: config.KAFKA_PARTITIONS },
      { topic: config.KAFKA_DLQ_TOPIC, numPartitions: config.KAFKA_PARTITIONS },
      { topic: config.KAFKA_STATUS_TOPIC, numPartitions: config.KAFKA_PARTITIONS },
      { topic: config.KAFKA_LIVE_TOPIC, numPartitions: 1 },
    ], config.KAFKA_CLIENT_ID);
    const k = createKafka(brokers, config.KAFKA_CLIENT_ID, log);
    const p = (producer = await createProducer(k));
    const live = (changes = createBatchedSender(p, (err) => log.error({ err }, 'could not publish live changes to Kafka')));
    instrumentProducer(p, config.KAFKA_DLQ_TOPIC);
    app.bus.forwardTo((m) => {
      const messages = [{ topic: config.KAFKA_LIVE_TOPIC, messages: [{ key: m.payload.tenantId, value: JSON.stringify(m) }] }];
      if (m.topic === 'delivery.status') {
        const { delivery: _snapshot, ...forPartners } = m.payload;
        messages.push({ topic: config.KAFKA_STATUS_TOPIC, messages: [{ key: m.payload.tenantId, value: JSON.stringify(forPartners) }] });
      }
      live.send(messages);
    });
    app.sink = kafkaSink(p, config.KAFKA_EVENTS_TOPIC);
    if (roles.has('api')) consumers.push(await startLiveConsumer(k, app.bus, config.KAFKA_LIVE_TOPIC, log));
    kafka = k;
  }

  const dispatcher = createDispatcher(app, { channels: opts.channels, publishStatus: (row) => app.bus.publish('delivery.status', statusPayload(row)), now: opts.now });
  instrumentDispatcher(dispatcher);
  const scheduler = createScheduler(app, dispatcher, opts.now);
  app.emitInternal = async (tenantId, e) => {
    await dispatcher.handle(tenantId, { id: e.id, type: e.type, occurredAt: new Date(), data: e.data }).catch((err) => log.error({ err, tenantId, type: e.type }, 'internal event failed'));
  };
  if (!brokers) app.sink = localSink(dispatcher, config.KABAR_MAX_IN_FLIGHT, log);
  if (roles.has('dispatcher')) {
    if (kafka && producer) {
      const eventsOpts = { topic: config.KAFKA_EVENTS_TOPIC, dlqTopic: config.KAFKA_DLQ_TOPIC, groupId: config.KAFKA_CONSUMER_GROUP, maxInFlight: config.KABAR_MAX_IN_FLIGHT, maxBatchEvents: config.KABAR_DISPATCH_BATCH };
      consumers.push(await startEventsConsumer(kafka, producer, dispatcher, eventsOpts, log));
    }
    if (opts.loops !== false) dispatcher.start();
  }
  if (roles.has('scheduler') && opts.loops !== false) scheduler.start();
  const server = roles.has('api') ? await startServer(app, opts.port ?? config.PORT, opts.host ?? config.HOST, { snsFetchCert: opts.snsFetchCert }) : undefined;
  const ops = await startOps(app, { api: !!server });

  return {
    app,
    dispatcher,
    scheduler,
    server,
    async stop() {
      // Stop taking work, let in-flight work finish and commit, then close connections.
      await server?.stop();
      await ops.stop();
      for (const c of consumers) await c.disconnect().catch(() => {});
      await app.sink.drain?.();
      await scheduler.stop();
      await dispatcher.stop();
      await changes?.drain();
      await producer?.disconnect().catch(() => {});
      await unwatchConfig().catch(() => {});
      await app.close();
    },
  };
}

/** Real adapters in servers mode; sandbox (recorded, never sent) in embedded mode or when asked. */
export function channelsFor(config: Config, log = rootLogger): Channels {
  const sandbox = config.KABAR_SANDBOX_PROVIDERS ? config.KABAR_SANDBOX_PROVIDERS === 'true' : config.embedded;
  if (!sandbox) return createChannels(channelSettingsFromConfig(config));
  return createSandboxChannels((entry) => log.info({ channel: entry.channel, to: entry.to }, 'sandbox: message recorded, not sent'));
}
