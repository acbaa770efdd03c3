import { getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Transaction } from './db-client.js';
import { rowsOf } from './driver.js';

export interface BulkOptions {
  onConflictDoNothing?: boolean;
  /** Database column names to return (raw values as the driver parses them). */
  returning?: string[];
}

/**
 * Inserts many rows in one statement whose text does not depend on how many there are: the rows
 * travel as one JSON parameter and PostgreSQL unpacks them (jsonb_populate_recordset). The
 * driver prepares that text once per connection and reuses it, where a multi-row VALUES list is
 * a new statement (parsed, described, planned) for every row count, and building it walks every
 * value. A column some rows name and others leave out is NULL in those, not its default.
 */
export async function insertMany<T extends PgTable>(
  scope: { tx: Transaction },
  table: T,
  rows: T['$inferInsert'][],
  opts: BulkOptions = {},
): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  return rowsOf<Record<string, unknown>>(await scope.tx.execute(insertManySql(table, rows, opts)));
}

/** The statement insertMany runs (for the writes at commit, which send it themselves). */
export function insertManySql<T extends PgTable>(table: T, rows: T['$inferInsert'][], opts: BulkOptions = {}): SQL {
  const named = new Set<string>();
  for (const r of rows) for (const key in r as object) named.add(key);
  const columns = columnsOf(table).filter(([key]) => named.has(key));
  const records = rows.map((r) => {
    const record: Record<string, unknown> = {};
    for (const [key, name] of columns) record[name] = toJson((r as Record<string, unknown>)[key]);
    return record;
  });
  // The text around the one parameter depends only on the table, the columns and the options:
  // built once, so drizzle turns the statement into SQL text without walking a dozen chunks.
  const shape = `${getTableName(table)}|${columns.map(([key]) => key).join(',')}|${opts.onConflictDoNothing ? 1 : 0}|${opts.returning?.join(',') ?? ''}`;
  let text = insertTexts.get(shape);
  if (!text) {
    const names = columns.map(([, name]) => `"${name}"`).join(', ');
    const name = `"${getTableName(table)}"`;
    const tail = `${opts.onConflictDoNothing ? ' on conflict do nothing' : ''}${opts.returning?.length ? ` returning ${opts.returning.map((c) => `"${c}"`).join(', ')}` : ''}`;
    text = [
      sql.raw(`insert into ${name} (${names}) select ${names} from jsonb_populate_recordset(null::${name}, `),
      sql.raw(`::jsonb)${tail}`),
    ];
    insertTexts.set(shape, text);
  }
  return sql.join([text[0], sql`${JSON.stringify(records)}`, text[1]]);
}

const insertTexts = new Map<string, [SQL, SQL]>();
const tableColumns = new WeakMap<PgTable, [string, string][]>();

/** A table's columns as [property, database name], read once. */
function columnsOf(table: PgTable): [string, string][] {
  let columns = tableColumns.get(table);
  if (!columns)
    tableColumns.set(table, (columns = Object.entries(getTableColumns(table)).map(([key, c]) => [key, c.name])));
  return columns;
}

/** A comma-separated list for `= any(string_to_array(…)::uuid[])`: one parameter, one statement text, whatever the count. */
export function idList(ids: string[]): SQL {
  return sql`any(string_to_array(${ids.join(',')}, ',')::uuid[])`;
}

// Dates become ISO strings through toJSON; bigint is not JSON.
const toJson = (v: unknown) => (typeof v === 'bigint' ? v.toString() : v === undefined ? null : v);

/** Rows as the driver returned them from raw SQL (column names, driver values), as drizzle's own queries return them. */
export function fromDriver<T extends PgTable>(table: T, raws: Record<string, unknown>[]): T['$inferSelect'][] {
  const columns = Object.entries(getTableColumns(table));
  return raws.map((raw) => {
    const row: Record<string, unknown> = {};
    for (const [key, column] of columns) {
      const value = raw[column.name];
      row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return row as T['$inferSelect'];
  });
}
