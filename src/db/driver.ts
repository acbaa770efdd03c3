import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type postgres from 'postgres';

/**
 * The one module that reaches past drizzle's and postgres.js's public APIs. Two things depend on
 * internals, both for round trips (docs/decisions/0002-deferred-writes.md):
 * - a drizzle transaction keeps its postgres.js handle as `session.client` (transactionClient):
 *   statements are queued on it without waiting (the tenant switch, the writes sent with the COMMIT);
 * - drizzle runs every statement through postgres.js's `unsafe` and transactions through `begin`
 *   (preparing): that is where named prepared statements are asked for.
 * test/unit/db-driver.test.ts checks both against the installed versions and names them when an
 * upgrade moves either.
 */

/** What Kabar calls on a transaction's own postgres.js handle. */
export type TransactionClient = Pick<postgres.TransactionSql, 'unsafe'>;

/** The postgres.js handle a drizzle (postgres-js driver) transaction runs on. */
export function transactionClient(tx: object): TransactionClient {
  const client = (tx as { session?: { client?: Partial<TransactionClient> } }).session?.client;
  if (typeof client?.unsafe !== 'function') {
    throw new Error(
      `${driverVersions()}: a drizzle transaction no longer keeps its postgres.js handle as session.client ` +
        '(src/db/driver.ts must follow the upgrade)',
    );
  }
  return client as TransactionClient;
}

/**
 * Drizzle asks postgres.js for an unnamed statement unless a query is prepared by name, and
 * postgres.js sends a parameterised unnamed statement in two round trips (parse and describe,
 * wait, then bind and execute), parsing it every time. Asking for named statements instead
 * makes each statement text one round trip, parsed once per connection. Transactions get the
 * same wrapper for the connection they reserve.
 */
export function preparing<C extends object>(client: C): C {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        const value = Reflect.get(t, key, receiver);
        if (key === 'unsafe') {
          return (query: string, params?: unknown[], options?: object) =>
            (value as postgres.Sql['unsafe']).call(t, query, params as never, { ...options, prepare: true });
        }
        if (key === 'begin') {
          return (...args: unknown[]) => {
            const fn = args.pop() as (tx: object) => unknown;
            return (value as (...a: unknown[]) => unknown).call(t, ...args, (tx: object) => fn(wrap(tx)));
          };
        }
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

/** "drizzle-orm 0.45.4, postgres 3.4.9": what an error about the internals names. */
export function driverVersions(): string {
  return ['drizzle-orm', 'postgres'].map((name) => `${name} ${packageVersion(name)}`).join(', ');
}

function packageVersion(name: string): string {
  try {
    // Neither package exports its package.json: walk up from its entry point.
    let dir = dirname(createRequire(import.meta.url).resolve(name));
    for (let i = 0; i < 5; i++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? 'unknown';
      } catch {
        // no package.json at this level
      }
    }
  } catch {
    // not resolvable
  }
  return 'unknown';
}
