import { getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { insertManySql } from './bulk.js';
import { rowsOf } from './client.js';
import type { PlatformScope, TenantScope } from './tenant.js';

type Write = { table: PgTable; rows: unknown[] } | { table: PgTable; query: SQL } | { query: SQL; answer: (rows: Promise<unknown>) => void };
const pending = new WeakMap<object, Map<unknown, Write>>();

/**
 * Writes queued for the end of the unit of work, in the same transaction. Rows of one table
 * become one INSERT (audit entries, status history: one per table, not per row), and the writes
 * go out with the COMMIT as one statement, each a data-modifying WITH clause: one round trip
 * for the whole unit, COMMIT included. They cannot see each other's rows, but foreign keys are
 * checked at the end of the statement, so a row may reference one inserted beside it. A write
 * whose rows are wanted after commit (deferReturning) is a statement of its own, in the same trip.
 */
function queue(scope: TenantScope | PlatformScope): Map<unknown, Write> {
  let writes = pending.get(scope.tx);
  if (!writes) {
    const all = (writes = new Map());
    pending.set(scope.tx, all);
    scope.beforeCommit((send) => {
      for (const { statement, answer } of combine([...all.values()])) {
        const sent = send(statement);
        answer?.(sent);
      }
    });
  }
  return writes;
}

export function deferInsert<T extends PgTable>(scope: TenantScope | PlatformScope, table: T, row: T['$inferInsert']): void {
  const writes = queue(scope);
  const w = writes.get(table);
  if (w && 'rows' in w) w.rows.push(row);
  else writes.set(table, { table, rows: [row] });
}

/** An UPDATE or DELETE of `table` whose result nobody waits for (a balance update), sent with the inserts. */
export function deferWrite(scope: TenantScope | PlatformScope, table: PgTable, statement: { getSQL(): SQL }): void {
  queue(scope).set(Symbol('write'), { table, query: statement.getSQL() });
}

/**
 * A statement of its own whose rows the caller reads after commit (an UPDATE … RETURNING whose
 * rows are published): sent with the other deferred writes, in queue order, without waiting.
 * The promise settles once the unit has committed; if the unit fails, it rejects with it.
 */
export function deferReturning(scope: TenantScope | PlatformScope, statement: { getSQL(): SQL }): Promise<Record<string, unknown>[]> {
  let answer!: (rows: Promise<unknown>) => void;
  const rows = new Promise<unknown>((resolve) => (answer = resolve)).then((r) => rowsOf<Record<string, unknown>>(r));
  // Nobody reads it when the unit fails (withTenant throws that failure): not an unhandled rejection.
  rows.catch(() => {});
  queue(scope).set(Symbol('returning'), { query: statement.getSQL(), answer });
  return rows;
}

/**
 * The writes as few statements as possible, in queue order: a statement takes each table once,
 * since two clauses of one statement touching one table would not see each other's changes.
 */
function combine(writes: Write[]): { statement: SQL; answer?: (rows: Promise<unknown>) => void }[] {
  const groups: { tables: Set<string>; parts: SQL[]; answer?: (rows: Promise<unknown>) => void }[] = [];
  for (const w of writes) {
    if ('answer' in w) {
      // A statement whose rows are wanted stays on its own (nothing joins it: see `last.answer`).
      groups.push({ tables: new Set(), parts: [w.query], answer: w.answer });
      continue;
    }
    const name = getTableName(w.table);
    const part = 'query' in w ? w.query : insertManySql(w.table, w.rows as never[]);
    const last = groups.at(-1);
    if (last && !last.answer && !last.tables.has(name)) {
      last.tables.add(name);
      last.parts.push(part);
    } else groups.push({ tables: new Set([name]), parts: [part] });
  }
  return groups.map(({ parts, answer }) => ({ statement: parts.length === 1 ? parts[0]! : sql`with ${sql.join(parts.map((p, i) => sql`${sql.raw(`w${i}`)} as (${p})`), sql`, `)} select`, answer }));
}
