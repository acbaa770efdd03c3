import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signToken } from '../../src/auth/jwt.js';
import { loadConfig } from '../../src/config.js';
import { generateKey } from '../../src/crypto.js';
import { openDatabase } from '../../src/db/db-client.js';
import { migrationStatus, MigrationsPendingError, prepareDatabase } from '../../src/db/migration-check.js';
import { withTenant } from '../../src/db/tenant.js';
import { JWT } from '../helpers/app.js';
import { freePort } from '../helpers/net.js';

// `npm start` against a PostgreSQL without Kabar's migrations: one line and exit 1, or with
// KABAR_MIGRATE=auto, migrated and serving. Kabar runs as a process, as an operator starts it.

const ROOT = resolve(import.meta.dirname, '../..');
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const JOURNAL = JSON.parse(readFileSync(resolve(ROOT, 'drizzle/meta/_journal.json'), 'utf8')) as {
  entries: { tag: string }[];
};
const silent = pino({ level: 'silent' });

function startKabarProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      KABAR_JWT_SECRET: JWT.secret,
      KABAR_ENCRYPTION_KEY: generateKey(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => void (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => void (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  process.once('exit', () => child.kill('SIGKILL'));
  return { child, exited, out: () => ({ stdout, stderr }) };
}

describe('start-up against an unmigrated PostgreSQL', () => {
  const name = `kabar_empty_${randomUUID().slice(0, 8)}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  let url: string;

  beforeAll(async () => {
    await admin.unsafe(`create database ${name}`);
    const u = new URL(ADMIN_URL);
    u.pathname = `/${name}`;
    url = u.toString();
  });
  afterAll(async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it('exits 1 with one line naming `npm run db:migrate` (KABAR_MIGRATE=check, the default)', async () => {
    const kabar = startKabarProcess({ DATABASE_URL: url, PORT: String(await freePort()) });
    expect(await kabar.exited).toBe(1);
    expect(kabar.out().stderr).toBe(
      `kabar: the database at DATABASE_URL has none of Kabar's ${JOURNAL.entries.length} migrations: run \`npm run db:migrate\` first, or start with KABAR_MIGRATE=auto\n`,
    );
  }, 180_000);

  it('with KABAR_MIGRATE=auto applies them, then serves', async () => {
    const port = await freePort();
    const kabar = startKabarProcess({ DATABASE_URL: url, PORT: String(port), KABAR_MIGRATE: 'auto' });
    try {
      const deadline = Date.now() + 150_000;
      let ready = 0;
      while (ready !== 200 && Date.now() < deadline) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready !== 200) await new Promise((r) => setTimeout(r, 500));
      }
      expect(ready, kabar.out().stderr).toBe(200);
      const platform = await signToken(JWT, { sub: 'migrations-test', roles: ['PLATFORM_ADMIN'] });
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${platform}` },
        body: JSON.stringify({
          query:
            'mutation { createTenant(input: { name: "Fresh", country: "ID", currency: "IDR", defaultLanguage: ID, timezone: "Asia/Jakarta" }) { name } }',
        }),
      });
      expect(await res.json()).toEqual({ data: { createTenant: { name: 'Fresh' } } });
    } finally {
      kabar.child.kill('SIGTERM');
      expect(await kabar.exited).toBe(0);
    }
    const db = await openDatabase({ databaseUrl: url, poolSize: 1 });
    try {
      expect(await migrationStatus(db)).toEqual({ total: JOURNAL.entries.length, pending: [] });
      // One migration missing (a database of the previous version): named in the one line; `off` skips the check.
      await db.db.execute(
        sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`,
      );
      const last = JOURNAL.entries.at(-1)!.tag;
      const check = prepareDatabase(loadConfig({ DATABASE_URL: url }), silent);
      await expect(check).rejects.toThrow(MigrationsPendingError);
      await expect(check).rejects.toThrow(
        `the database at DATABASE_URL lacks 1 of Kabar's ${JOURNAL.entries.length} migrations (${last}): run`,
      );
      await expect(
        prepareDatabase(loadConfig({ DATABASE_URL: url, KABAR_MIGRATE: 'off' }), silent),
      ).resolves.toBeUndefined();
    } finally {
      await db.close();
    }
  }, 240_000);
});

describe('a failed statement in a unit of work', () => {
  // A login without membership in kabar_app: the unit's role switch fails, as it does on a
  // PostgreSQL where the migrations never created the role.
  const role = `kabar_outsider_${randomUUID().slice(0, 8)}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  beforeAll(async () => void (await admin.unsafe(`create role ${role} login`)));
  afterAll(async () => {
    await admin.unsafe(`drop role if exists ${role}`);
    await admin.end();
  });

  it('is the error thrown (and logged), not the "current transaction is aborted" of the statements after it', async () => {
    const url = new URL(inject('databaseUrl'));
    url.username = role;
    url.password = '';
    const db = await openDatabase({ databaseUrl: url.toString(), poolSize: 1 });
    try {
      // The switch is handed over without waiting; the unit's first statement then meets 25P02.
      const unit = withTenant({ db, actor: 'test', tenantId: randomUUID() }, (s) => s.tx.execute(sql`select 1`));
      await expect(unit).rejects.toMatchObject({ code: '42501', message: 'permission denied to set role "kabar_app"' });
    } finally {
      await db.close();
    }
  });
});
