import type { PgTable } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import { insertManySql } from './bulk.js';
import type { PlatformScope, TenantScope } from './tenant.js';

type Write = { table: PgTable; rows: unknown[] } | { query: SQL };
const pending = new WeakMap<object, Map<unknown, Write>>();

/**
 * Writes queued for the end of the unit of work, in the same transaction. Rows of one table
 * become one statement (audit entries, status history: one per table, not per row), and all the
 * statements run just before the COMMIT, in the order they were first queued: queue a parent
 * table's rows before rows that reference them.
 */
function queue(scope: TenantScope | PlatformScope): Map<unknown, Write> {
  let writes = pending.get(scope.tx);
  if (!writes) {
    const all = (writes = new Map());
    pending.set(scope.tx, all);
    scope.beforeCommit((send) => Promise.all([...all.values()].map((w) => send('query' in w ? w.query : insertManySql(w.table, w.rows as never[])))));
  }
  return writes;
}

export function deferInsert<T extends PgTable>(scope: TenantScope | PlatformScope, table: T, row: T['$inferInsert']): void {
  const writes = queue(scope);
  const w = writes.get(table);
  if (w && 'rows' in w) w.rows.push(row);
  else writes.set(table, { table, rows: [row] });
}

/** Any other statement whose result nobody waits for (a balance update), sent with the inserts. */
export function deferWrite(scope: TenantScope | PlatformScope, statement: { getSQL(): SQL }): void {
  queue(scope).set(Symbol('write'), { query: statement.getSQL() });
}
