import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openDatabase, type DbHandle } from './db-client.js';
import { rowsOf } from './driver.js';
import { MIGRATIONS_FOLDER, runMigrations } from './migrate.js';

// Start-up against PostgreSQL: a database without Kabar's migrations (or without the latest ones)
// would start and then answer every request with INTERNAL_SERVER_ERROR. KABAR_MIGRATE decides:
// `check` (default) stops with one line naming `npm run db:migrate`, `auto` applies them, `off`
// skips the check. Embedded mode (PGlite) is Kabar's own database and always migrates itself.

export interface MigrationStatus {
  /** Migrations in drizzle/ (meta/_journal.json). */
  total: number;
  /** Their tags (e.g. 0007_whatsapp_verdicts) not yet applied, oldest first. */
  pending: string[];
}

/** A database start-up cannot use as it is; the message is one line for the operator. */
export class MigrationsPendingError extends Error {
  override name = 'MigrationsPendingError';
}

/** drizzle's journal against drizzle.__drizzle_migrations, the way its migrator decides (by `when`). */
export async function migrationStatus(db: DbHandle): Promise<MigrationStatus> {
  type Journal = { entries: { tag: string; when: number }[] };
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as Journal;
  const found = await db.db.execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`);
  let last = -1;
  if (rowsOf<{ t: string | null }>(found)[0]?.t) {
    const max = await db.db.execute(sql`select max(created_at)::text as last from drizzle.__drizzle_migrations`);
    const [row] = rowsOf<{ last: string | null }>(max);
    last = row?.last ? Number(row.last) : -1;
  }
  return { total: journal.entries.length, pending: journal.entries.filter((e) => e.when > last).map((e) => e.tag) };
}

export function pendingMessage(s: MigrationStatus): string {
  const what =
    s.pending.length === s.total
      ? `has none of Kabar's ${s.total} migrations`
      : `lacks ${s.pending.length} of Kabar's ${s.total} migrations (${s.pending.join(', ')})`;
  return `the database at DATABASE_URL ${what}: run \`npm run db:migrate\` first, or start with KABAR_MIGRATE=auto`;
}

/** Checks (and with KABAR_MIGRATE=auto applies) the migrations before anything uses the database. */
export async function prepareDatabase(config: Config, log: Logger): Promise<void> {
  if (config.embedded || config.KABAR_MIGRATE === 'off') return;
  // One connection: the advisory lock below is held by the session that migrates.
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, poolSize: 1, preparedStatements: false });
  try {
    const status = await migrationStatus(db);
    if (status.pending.length === 0) return;
    if (config.KABAR_MIGRATE !== 'auto') throw new MigrationsPendingError(pendingMessage(status));
    // Several processes may start at once (api, dispatcher, scheduler): one migrates, the others
    // wait and then find nothing left to do (the migrator skips what is applied).
    await db.db.execute(sql`select pg_advisory_lock(hashtext('kabar-migrate'))`);
    try {
      await runMigrations(db);
    } finally {
      await db.db.execute(sql`select pg_advisory_unlock(hashtext('kabar-migrate'))`);
    }
    log.info({ applied: status.pending }, 'migrations applied (KABAR_MIGRATE=auto)');
  } finally {
    await db.close();
  }
}

/** The start-up call: an unusable database ends the process with one line on stderr, exit code 1. */
export async function ensureMigrated(config: Config, log: Logger): Promise<void> {
  try {
    await prepareDatabase(config, log);
  } catch (err) {
    if (!(err instanceof MigrationsPendingError)) throw err;
    process.stderr.write(`kabar: ${err.message}\n`);
    process.exit(1);
  }
}
