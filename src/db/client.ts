import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT, type PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres, PostgresJsDatabase, PostgresJsSession } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from '../schema/index.js';

export type Schema = typeof schema;
/** The raw handle. Only src/db may hold it: everything else gets a scope from withTenant/withPlatform. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** A transaction's connection whose statements can be written without waiting for the previous answer. */
export interface Pipeline {
  /** Drizzle bound to this transaction. */
  db: Database;
  /** Compiles and writes a statement now: statements reach PostgreSQL in call order. */
  send(query: SQL): Promise<unknown>;
}

export interface DbHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /**
   * postgres.js only: runs fn in a transaction (postgres.js's own begin, which also fails it if
   * the connection drops) and commits once fn's promise settles, see tenant.ts.
   */
  pipeline?: <T>(fn: (p: Pipeline) => Promise<T>) => Promise<T>;
  /** Counts SQL statements sent, so tests and benchmarks can check N+1 behaviour. */
  stats: { statements: number };
  close(): Promise<void>;
}

export interface DbOptions {
  databaseUrl?: string;
  dataDir?: string;
  poolSize?: number;
  /** Named prepared statements (default on); off for a pooler in transaction mode such as PgBouncer. */
  preparedStatements?: boolean;
  /** An existing PGlite instance (tests clone one migrated instance). */
  pglite?: PGlite;
}

export async function openDatabase(opts: DbOptions): Promise<DbHandle> {
  const stats = { statements: 0 };
  const logger = { logQuery: () => void stats.statements++ };
  if (opts.databaseUrl) {
    const client = postgres(opts.databaseUrl, {
      max: opts.poolSize ?? 10,
      onnotice: () => {},
      connection: { application_name: 'kabar' },
    });
    const prepare = opts.preparedStatements !== false;
    const db = drizzlePostgres(prepare ? preparing(client) : client, { schema, logger }) as unknown as Database;
    const dialect = new PgDialect();
    const pipeline = <T>(fn: (p: Pipeline) => Promise<T>): Promise<T> =>
      client.begin((tx) =>
        fn({
          // Drizzle's own session on this transaction (drizzle() would redo the client-wide
          // setup); without the schema, which only serves relational queries.
          db: new PostgresJsDatabase(dialect, new PostgresJsSession((prepare ? preparing(tx) : tx) as unknown as postgres.Sql, dialect, undefined, { logger }), undefined) as unknown as Database,
          send: (query) => {
            const { sql: text, params } = dialect.sqlToQuery(query);
            stats.statements++;
            return tx.unsafe(text, params as never[], { prepare }).execute();
          },
        }),
      ) as Promise<T>;
    return { db, kind: 'postgres', stats, pipeline, close: () => client.end({ timeout: 5 }) };
  }
  let pg = opts.pglite;
  if (!pg) {
    const dir = opts.dataDir ? join(opts.dataDir, 'pgdata') : undefined;
    if (dir) mkdirSync(dir, { recursive: true });
    pg = dir ? new PGlite(dir) : new PGlite();
  }
  const db = drizzlePglite(pg, { schema, logger }) as unknown as Database;
  const instance = pg;
  return { db, kind: 'pglite', stats, close: () => instance.close() };
}

/**
 * Drizzle asks postgres.js for an unnamed statement unless a query is prepared by name, and
 * postgres.js sends a parameterised unnamed statement in two round trips (parse and describe,
 * wait, then bind and execute), parsing it every time. Asking for named statements instead
 * makes each statement text one round trip, parsed once per connection. Transactions get the
 * same wrapper for the connection they reserve.
 */
function preparing<C extends object>(client: C): C {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        const value = Reflect.get(t, key, receiver);
        if (key === 'unsafe') return (query: string, params?: unknown[], options?: object) => (value as postgres.Sql['unsafe']).call(t, query, params as never, { ...options, prepare: true });
        if (key === 'begin') return (...args: unknown[]) => {
          const fn = args.pop() as (tx: object) => unknown;
          return (value as (...a: unknown[]) => unknown).call(t, ...args, (tx: object) => fn(wrap(tx)));
        };
        return value;
      },
    });
  return wrap(client);
}

/** `execute()` returns `{ rows }` on PGlite and an array on postgres.js: one shape for callers. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
