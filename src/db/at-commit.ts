import { getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { insertManySql } from './bulk.js';
import { rowsOf } from './driver.js';

/** Hands a statement to the connection at the end of the unit; the promise settles with its answer. */
export type Send = (query: SQL) => Promise<unknown>;

/**
 * Writes that go out with the COMMIT, in the unit's transaction (`scope.atCommit`): nothing is
 * sent when they are called, and nothing the unit reads before its end sees them. Why they wait:
 * docs/decisions/0002-deferred-writes.md. If one fails, the transaction rolls back and
 * withTenant/withPlatform throw its error.
 */
export interface AtCommit {
  /** A row for `table`; the rows of one table become one INSERT (audit entries, status history). */
  insert<T extends PgTable>(table: T, row: T['$inferInsert']): void;
  /** An UPDATE or DELETE of `table` whose result nobody waits for (a balance update). */
  write(table: PgTable, statement: { getSQL(): SQL }): void;
  /**
   * A statement of its own whose rows the caller reads after commit (an UPDATE … RETURNING whose
   * rows are published). The promise settles once the unit has committed; if the unit fails, it
   * rejects with it.
   */
  returning(statement: { getSQL(): SQL }): Promise<Record<string, unknown>[]>;
  /** A statement of its own that writes nothing the unit reads (a NOTIFY, delivered on commit). */
  run(query: SQL): void;
}

type Answer = (rows: Promise<unknown>) => void;
type Write = { table: PgTable; rows: unknown[] } | { table: PgTable; query: SQL } | { query: SQL; answer?: Answer };

/**
 * The queue behind `scope.atCommit`. The writes go out with the COMMIT as few statements as
 * possible, each write a data-modifying WITH clause: one round trip for the whole unit, COMMIT
 * included. Clauses cannot see each other's rows, but foreign keys are checked at the end of the
 * statement, so a row may reference one inserted beside it.
 */
export class DeferredWrites implements AtCommit {
  private readonly writes = new Map<unknown, Write>();

  insert<T extends PgTable>(table: T, row: T['$inferInsert']): void {
    const w = this.writes.get(table);
    if (w && 'rows' in w) w.rows.push(row);
    else this.writes.set(table, { table, rows: [row] });
  }

  write(table: PgTable, statement: { getSQL(): SQL }): void {
    this.writes.set(Symbol('write'), { table, query: statement.getSQL() });
  }

  returning(statement: { getSQL(): SQL }): Promise<Record<string, unknown>[]> {
    let answer!: Answer;
    const rows = new Promise<unknown>((resolve) => (answer = resolve)).then((r) => rowsOf<Record<string, unknown>>(r));
    // Nobody reads it when the unit fails (withTenant throws that failure): not an unhandled rejection.
    rows.catch(() => {});
    this.writes.set(Symbol('returning'), { query: statement.getSQL(), answer });
    return rows;
  }

  run(query: SQL): void {
    this.writes.set(Symbol('run'), { query });
  }

  /** Hands the queued writes to `send`, in queue order (called once, at the end of the unit). */
  flush(send: Send): void {
    for (const { statement, answer } of combine([...this.writes.values()])) {
      const sent = send(statement);
      answer?.(sent);
    }
    this.writes.clear();
  }
}

/**
 * The writes as few statements as possible, in queue order: a statement takes each table once,
 * since two clauses of one statement touching one table would not see each other's changes.
 */
function combine(writes: Write[]): { statement: SQL; answer?: Answer }[] {
  const groups: { tables: Set<string>; parts: SQL[]; alone?: true; answer?: Answer }[] = [];
  for (const w of writes) {
    if (!('table' in w)) {
      // A statement of its own stays on its own (nothing joins it: see `last.alone`).
      groups.push({ tables: new Set(), parts: [w.query], alone: true, answer: w.answer });
      continue;
    }
    const name = getTableName(w.table);
    const part = 'query' in w ? w.query : insertManySql(w.table, w.rows as never[]);
    const last = groups.at(-1);
    if (last && !last.alone && !last.tables.has(name)) {
      last.tables.add(name);
      last.parts.push(part);
    } else groups.push({ tables: new Set([name]), parts: [part] });
  }
  return groups.map(({ parts, answer }) => ({
    statement: parts.length === 1 ? parts[0]! : withClauses(parts),
    answer,
  }));
}

function withClauses(parts: SQL[]): SQL {
  return sql`with ${sql.join(
    parts.map((p, i) => sql`${sql.raw(`w${i}`)} as (${p})`),
    sql`, `,
  )} select`;
}
