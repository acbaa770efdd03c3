import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT, type PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from '../schema/index.js';
import { preparing, transactionClient } from './driver.js';

export type Schema = typeof schema;
/** The raw handle. Only src/db may hold it: everything else gets a scope from withTenant/withPlatform. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface DbHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Counts SQL statements sent, so tests and benchmarks can check N+1 behaviour. */
  stats: { statements: number };
  /**
   * Calls `onMessage` for every NOTIFY on `channel` (delivered once the notifying transaction
   * commits), and `onConnect` each time the listening connection (re)connects: notifications
   * sent while it was down are lost, so a listener treats a reconnect as "anything may have changed".
   */
  listen(channel: string, onMessage: (payload: string) => void, onConnect: () => void): Promise<() => Promise<void>>;
  /**
   * Hands a statement to the transaction's connection without waiting for its answer. On
   * PostgreSQL it is queued at once, ahead of anything the unit sends later (its next statement,
   * the COMMIT), which then goes out in the same write where it fits; PostgreSQL runs them in
   * order, and a failure aborts the transaction, so nothing after it takes effect and the COMMIT
   * rolls back. PGlite cannot pipeline: there it runs, and the caller awaits it before going on.
   * The promise settles with the statement.
   */
  sendNow(tx: Transaction, query: SQL): Promise<unknown>;
  close(): Promise<void>;
}

export interface DbOptions {
  databaseUrl?: string;
  dataDir?: string;
  poolSize?: number;
  /** Named prepared statements (DATABASE_PREPARED_STATEMENTS, on by default); never with a transaction-mode pooler. */
  preparedStatements?: boolean;
  /** An existing PGlite instance (tests clone one migrated instance). */
  pglite?: PGlite;
  /** Sees every statement's text (the benchmark tallies them by shape). */
  onQuery?: (query: string) => void;
}

export async function openDatabase(opts: DbOptions): Promise<DbHandle> {
  const stats = { statements: 0 };
  const logger = {
    logQuery: (query: string) => {
      stats.statements++;
      opts.onQuery?.(query);
    },
  };
  if (opts.databaseUrl) {
    const client = postgres(opts.databaseUrl, {
      max: opts.poolSize ?? 10,
      onnotice: () => {},
      connection: { application_name: 'kabar' },
      // Reconnect within 2 s of the database coming back. postgres.js's default waits up to 20 s
      // once a few attempts have failed (3^n / 100 s), during which nothing, not even a provider's
      // receipt, can be recorded.
      backoff: (attempts: number) => Math.min(0.05 * 2 ** attempts, 2),
    });
    const prepare = opts.preparedStatements === true;
    const db = drizzlePostgres(prepare ? preparing(client) : client, { schema, logger }) as unknown as Database;
    const listen: DbHandle['listen'] = async (channel, onMessage, onConnect) => {
      // postgres.js listens on a connection of its own and reconnects it (calling onConnect again).
      const { unlisten } = await client.listen(channel, onMessage, onConnect);
      return unlisten;
    };
    const dialect = new PgDialect();
    const sendNow: DbHandle['sendNow'] = (tx, query) => {
      const { sql: text, params } = dialect.sqlToQuery(query);
      logger.logQuery(text);
      // The transaction's own postgres.js handle: execute() queues the query on the connection
      // within a microtask, ahead of anything created later.
      const sent = transactionClient(tx)
        .unsafe(text, params as never[], { prepare })
        .execute();
      // Observed here, so a failure nobody awaits (the unit already failed) is not an unhandled rejection.
      sent.catch(() => {});
      return sent;
    };
    return { db, kind: 'postgres', stats, listen, sendNow, close: () => client.end({ timeout: 5 }) };
  }
  let pg = opts.pglite;
  if (!pg) {
    const dir = opts.dataDir ? join(opts.dataDir, 'pgdata') : undefined;
    if (dir) mkdirSync(dir, { recursive: true });
    pg = dir ? new PGlite(dir) : new PGlite();
  }
  const db = drizzlePglite(pg, { schema, logger }) as unknown as Database;
  const instance = pg;
  const listen: DbHandle['listen'] = async (channel, onMessage, onConnect) => {
    const unlisten = await instance.listen(channel, onMessage);
    onConnect();
    return () => unlisten();
  };
  const sendNow: DbHandle['sendNow'] = (tx, query) => Promise.resolve(tx.execute(query));
  return { db, kind: 'pglite', stats, listen, sendNow, close: () => instance.close() };
}
