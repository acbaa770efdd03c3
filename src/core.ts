import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Channels } from './channels/channel.types.js';
import type { Config } from './config.js';
import { generateKey, SecretBox } from './crypto.js';
import { openDatabase, type DbHandle } from './db/db-client.js';
import { runMigrations } from './db/migrate.js';
import { createBus, type Bus, type LiveMessage } from './events/bus.js';
import { logger as rootLogger } from './logger.js';
import { instrumentBus, instrumentChannels, metrics as processMetrics, type Metrics } from './metrics.js';
import { redactingChannels } from './redact.js';

/**
 * What every role needs, built once per process: the API (src/app.ts), the dispatcher and the
 * scheduler each receive it. It knows nothing of GraphQL, HTTP or Kafka.
 */
export interface Core {
  config: Config;
  db: DbHandle;
  box: SecretBox;
  bus: Bus;
  logger: Logger;
  /** Provider adapters (real, or sandbox in embedded mode), redacted and timed. */
  channels: Channels;
  /** The clock the dispatcher and scheduler read (tests may fix it). */
  now: () => Date;
  metrics: Metrics;
  close(): Promise<void>;
}

export interface CoreOptions {
  channels: Channels;
  db?: DbHandle;
  migrate?: boolean;
  logger?: Logger;
  now?: () => Date;
  /** Servers mode: every bus change goes here (Kafka's live topic) instead of to local subscribers. */
  forward?: (m: LiveMessage) => void;
}

/**
 * In embedded mode the secrets Kabar needs are generated once and kept in the data folder,
 * so a restart keeps data readable and printed tokens valid. In servers mode they must be given.
 */
export function embeddedSecret(config: Config, name: string): string {
  const dir = config.KABAR_DATA_DIR;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  if (!existsSync(file)) writeFileSync(file, generateKey(), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

export async function createCore(config: Config, opts: CoreOptions): Promise<Core> {
  const encryptionKey =
    config.KABAR_ENCRYPTION_KEY ?? (config.embedded ? embeddedSecret(config, 'encryption.key') : undefined);
  if (!encryptionKey) {
    throw new Error('KABAR_ENCRYPTION_KEY is required with DATABASE_URL (32 bytes as 64 hex characters)');
  }
  const box = new SecretBox(encryptionKey);
  const db =
    opts.db ??
    (await openDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.KABAR_DATA_DIR,
      poolSize: config.DATABASE_POOL_SIZE,
      preparedStatements: config.DATABASE_PREPARED_STATEMENTS === 'true',
    }));
  if (opts.migrate ?? config.embedded) await runMigrations(db);
  // Credentials a provider echoes in an error never reach a reason, the database, the API or a log line.
  const providerSecrets = [
    config.SMS_AUTH_TOKEN,
    `${config.SMS_ACCOUNT_SID}:${config.SMS_AUTH_TOKEN}`,
    config.FCM_ACCESS_TOKEN,
    config.KABAR_JWT_SECRET,
    config.KABAR_ENCRYPTION_KEY,
  ];
  return {
    config,
    db,
    box,
    bus: instrumentBus(createBus({ forward: opts.forward })),
    logger: opts.logger ?? rootLogger,
    channels: instrumentChannels(redactingChannels(opts.channels, () => providerSecrets)),
    now: opts.now ?? (() => new Date()),
    metrics: processMetrics,
    close: () => db.close(),
  };
}
