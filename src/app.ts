import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { createVerifier, type Verifier } from './auth/jwt.js';
import type { Config } from './config.js';
import { generateKey, SecretBox } from './crypto.js';
import { openDatabase, type DbHandle } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { withPlatform } from './db/tenant.js';
import { findTenant } from './services/tenants.js';
import { createBus, type Bus } from './events/bus.js';
import { createSchema } from './graphql/schema.js';
import { logger as rootLogger } from './logger.js';
import type { EventSink } from './ingest.js';
import type { Channels } from './channels/types.js';
import type { EmitInternal } from './services/dispatch.js';

/** Everything a request, a consumer or a job needs, built once per process. */
export interface App {
  config: Config;
  db: DbHandle;
  box: SecretBox;
  bus: Bus;
  verify: Verifier;
  jwtSecret: string | undefined;
  schema: GraphQLSchema;
  logger: Logger;
  /** Where accepted events go (set by the runtime: Kafka or the in-process dispatcher). */
  sink: EventSink;
  /** Dispatches one of Kabar's own events (credit.purchase_status…); set by the runtime. */
  emitInternal: EmitInternal;
  /** Provider adapters (real, or sandbox in embedded mode). */
  channels: Channels;
  close(): Promise<void>;
}

/**
 * In embedded mode the secrets Kabar needs are generated once and kept in the data folder,
 * so a restart keeps data readable and printed tokens valid. In servers mode they must be given.
 */
function embeddedSecret(config: Config, name: string): string {
  const dir = config.KABAR_DATA_DIR;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  if (!existsSync(file)) writeFileSync(file, generateKey(), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

export async function createApp(config: Config, opts: { db?: DbHandle; migrate?: boolean; channels: Channels; logger?: Logger }): Promise<App> {
  const logger = opts.logger ?? rootLogger;
  const encryptionKey = config.KABAR_ENCRYPTION_KEY ?? (config.embedded ? embeddedSecret(config, 'encryption.key') : undefined);
  if (!encryptionKey) throw new Error('KABAR_ENCRYPTION_KEY is required with DATABASE_URL (32 bytes as 64 hex characters)');
  const jwtSecret = config.KABAR_JWT_SECRET ?? (config.embedded && !config.KABAR_JWKS_URL ? embeddedSecret(config, 'jwt.secret') : undefined);
  // A token must name a tenant that exists (looked up once per tenant, after the database is open).
  const tenantExists = async (id: string) => !!(await withPlatform({ db, actor: 'system' }, (s) => findTenant(s, id)));
  const verify = createVerifier({ secret: jwtSecret, jwksUrl: config.KABAR_JWKS_URL, issuer: config.KABAR_JWT_ISSUER, audience: config.KABAR_JWT_AUDIENCE, tenantExists });
  const box = new SecretBox(encryptionKey);
  const db = opts.db ?? (await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.KABAR_DATA_DIR, poolSize: config.DATABASE_POOL_SIZE, preparedStatements: config.DATABASE_PREPARED_STATEMENTS === 'true' }));
  if (opts.migrate ?? config.embedded) await runMigrations(db);
  const bus = createBus();
  const schema = await createSchema(bus);
  const sink: EventSink = {
    publish: async () => {
      throw new Error('No event sink: start the dispatcher or Kafka producer (src/runtime.ts)');
    },
  };
  const emitInternal: EmitInternal = async (tenantId, e) => void logger.warn({ tenantId, type: e.type }, 'no dispatcher in this process: internal event dropped');
  return { config, db, box, bus, verify, jwtSecret, schema, logger, sink, emitInternal, channels: opts.channels, close: () => db.close() };
}
