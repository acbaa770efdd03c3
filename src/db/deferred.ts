import type { PgTable } from 'drizzle-orm/pg-core';
import { insertMany } from './bulk.js';
import type { PlatformScope, TenantScope } from './tenant.js';

const pending = new WeakMap<object, Map<PgTable, unknown[]>>();

/**
 * Queues a row to insert at the end of the unit of work, in the same transaction: append-only
 * rows (audit entries, status history) of one event cost one statement per table, not per row.
 */
export function deferInsert<T extends PgTable>(scope: TenantScope | PlatformScope, table: T, row: T['$inferInsert']): void {
  let tables = pending.get(scope.tx);
  if (!tables) {
    const byTable = (tables = new Map());
    pending.set(scope.tx, byTable);
    scope.beforeCommit(async () => {
      for (const [t, rows] of byTable) await insertMany(scope, t, rows as never[]);
    });
  }
  const rows = tables.get(table) ?? [];
  rows.push(row);
  tables.set(table, rows);
}
