import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/db/db-client.js';
import { driverVersions, preparing, rowsOf, transactionClient } from '../../src/db/driver.js';

// src/db/driver.ts relies on drizzle's and postgres.js's internals. These tests fail, naming the
// installed versions, when an upgrade moves them: fix the adapter, not the callers.
const upgraded = (what: string) => `${driverVersions()}: ${what} (follow the upgrade in src/db/driver.ts)`;

/** Just enough of a postgres.js client for drizzle to run on, recording what drizzle calls. */
function fakeClient() {
  const calls: string[] = [];
  const txHandle = {
    unsafe: (query: string, _params?: unknown[], options?: { prepare?: boolean }) => {
      calls.push(`tx.unsafe ${query} prepare=${options?.prepare ?? false}`);
      return Object.assign(Promise.resolve([]), { values: () => Promise.resolve([]) });
    },
  };
  const client = {
    options: { parsers: {}, serializers: {} },
    unsafe: (query: string, _params?: unknown[], options?: { prepare?: boolean }) => {
      calls.push(`unsafe ${query} prepare=${options?.prepare ?? false}`);
      return Object.assign(Promise.resolve([]), { values: () => Promise.resolve([]) });
    },
    begin: (fn: (tx: object) => unknown) => {
      calls.push('begin');
      return fn(txHandle);
    },
  };
  return { client, txHandle, calls };
}

describe('the driver adapter (drizzle and postgres.js internals)', () => {
  it('names both installed versions', () => {
    expect(driverVersions()).toMatch(/^drizzle-orm \d+\.\d+\.\d+\S*, postgres \d+\.\d+\.\d+\S*$/);
  });

  it("finds a drizzle transaction's own postgres.js handle (session.client)", async () => {
    const { client, txHandle } = fakeClient();
    const db = drizzle(client as never);
    const found = await db.transaction(async (tx) => transactionClient(tx));
    expect(
      (found as object) === txHandle,
      upgraded('a transaction no longer keeps its postgres.js handle as session.client'),
    ).toBe(true);
  });

  it('fails loudly, naming the versions, when the handle is not where it was', () => {
    expect(() => transactionClient({ session: {} })).toThrow(
      /^drizzle-orm \d\S*, postgres \d\S*: a drizzle transaction no longer keeps/,
    );
  });

  it("drizzle sends statements through postgres.js's unsafe and transactions through begin (where preparing hooks in)", async () => {
    const { client, calls } = fakeClient();
    const db = drizzle(preparing(client) as never);
    await db.execute(sql`select ${1}`);
    await db.transaction(async (tx) => {
      await tx.execute(sql`select ${2}`);
    });
    expect(calls, upgraded('drizzle no longer calls unsafe/begin as preparing() expects')).toEqual([
      'unsafe select $1 prepare=true',
      'begin',
      'tx.unsafe select $1 prepare=true',
    ]);
  });

  for (const prepared of [true, false]) {
    it(`on PostgreSQL: statements are ${prepared ? '' : 'not '}named prepared ones, and sendNow queues on the transaction's connection`, async () => {
      const handle = await openDatabase({
        databaseUrl: inject('databaseUrl'),
        poolSize: 1,
        preparedStatements: prepared,
      });
      try {
        const seen = await handle.db.transaction(async (tx) => {
          const sent = handle.sendNow(tx, sql`select set_config('app.probe', ${'pipelined'}, true) as v`);
          await tx.execute(sql`select ${1} as drizzle_probe`);
          // Queued ahead of this query on the same connection: the setting is already there.
          const [row] = rowsOf<{ probe: string; named: string }>(
            await tx.execute(sql`select current_setting('app.probe') as probe,
              (select count(*) from pg_prepared_statements where statement like '%as drizzle_probe') as named`),
          );
          expect(rowsOf<{ v: string }>(await sent)).toEqual([{ v: 'pipelined' }]);
          return row;
        });
        expect(seen?.probe, upgraded("sendNow no longer runs on the transaction's own connection")).toBe('pipelined');
        // A statement drizzle ran is a named one when preparing() reaches postgres.js; none otherwise.
        expect(Number(seen?.named), upgraded('named prepared statements are not asked for as configured')).toBe(
          prepared ? 1 : 0,
        );
      } finally {
        await handle.close();
      }
    });
  }
});
