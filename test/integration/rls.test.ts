import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { openDatabase, rowsOf, type DbHandle } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { withPlatform, withTenant } from '../../src/db/tenant.js';
import { staffMembers, auditLog } from '../../src/schema/index.js';
import { createTenant } from '../../src/services/tenants.js';
import { upsertStaff } from '../../src/services/staff.js';
import { setReferenceData } from '../../src/services/reference-data.js';

const TENANT_TABLES = [
  'reference_data', 'whatsapp_configs', 'credit_balances', 'credit_transactions', 'credit_purchases', 'staff_members',
  'routing_rules', 'event_channel_settings', 'templates', 'events', 'deliveries', 'delivery_status_history', 'audit_log',
  'reminders', 'walkin_alerts', 'credit_alerts',
];

/** Seeds two tenants with a staff member and a reference-data row each. */
async function seed(db: DbHandle) {
  const ctx = { db, actor: 'test' };
  const ids: string[] = [];
  for (const name of ['A', 'B']) {
    const t = await withPlatform(ctx, (s) => createTenant(s, { name: `RLS ${name} ${randomUUID().slice(0, 4)}`, country: 'ID', currency: 'IDR', defaultLanguage: 'EN', timezone: 'Asia/Jakarta' }));
    await withTenant({ ...ctx, tenantId: t.id }, async (s) => {
      await upsertStaff(s, { name: `Nurse ${name}`, departments: ['billing'] });
      await setReferenceData(s, 'WhatsApp_Notification', '1');
    });
    ids.push(t.id);
  }
  return ids as [string, string];
}

function rlsSuite(label: string, open: () => Promise<{ db: DbHandle; raw: (q: string) => Promise<unknown[]> }>) {
  describe(`row-level security on ${label}`, () => {
    let db: DbHandle;
    let raw: (q: string) => Promise<unknown[]>;
    let a: string;
    let b: string;
    beforeAll(async () => {
      ({ db, raw } = await open());
      [a, b] = await seed(db);
    });
    afterAll(async () => db.close());

    it('forces RLS on every tenant-owned table', async () => {
      const rows = (await raw(`select relname, relrowsecurity, relforcerowsecurity from pg_class where relname in (${TENANT_TABLES.map((t) => `'${t}'`).join(',')})`)) as { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }[];
      expect(rows).toHaveLength(TENANT_TABLES.length);
      for (const r of rows) expect(r, r.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
    });

    it('a transaction with no tenant context sees zero rows, even on a superuser connection', async () => {
      const counts = await db.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('role', 'kabar_app', true)`);
        const out: Record<string, number> = {};
        for (const t of [...TENANT_TABLES, 'tenants']) out[t] = Number(rowsOf<{ n: string }>(await tx.execute(sql.raw(`select count(*) as n from ${t}`)))[0]!.n);
        return out;
      });
      for (const [table, n] of Object.entries(counts)) expect(n, table).toBe(0);
    });

    it("a tenant's context sees its own rows and none of another tenant's", async () => {
      const seen = await withTenant({ db, actor: 'test', tenantId: a }, (s) => s.tx.select().from(staffMembers));
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((r) => r.tenantId === a)).toBe(true);
      const audit = await withTenant({ db, actor: 'test', tenantId: a }, (s) => s.tx.select().from(auditLog));
      expect(audit.length).toBeGreaterThan(0);
      expect(audit.some((r) => r.tenantId === b)).toBe(false);
    });

    it("cannot write a row into another tenant", async () => {
      const attempt = withTenant({ db, actor: 'test', tenantId: a }, (s) => s.tx.insert(staffMembers).values({ tenantId: b, name: 'Intruder' }));
      await expect(attempt).rejects.toThrow();
      const inB = await withTenant({ db, actor: 'test', tenantId: b }, (s) => s.tx.select().from(staffMembers));
      expect(inB.map((r) => r.name)).not.toContain('Intruder');
    });

    it('the audit log rejects UPDATE and DELETE, even for the superuser owner', async () => {
      await expect(raw(`update audit_log set action = 'forged'`)).rejects.toThrow(/append-only/);
      await expect(raw(`delete from audit_log`)).rejects.toThrow(/append-only/);
      const n = (await raw(`select count(*)::int as n from audit_log where action = 'forged'`)) as { n: number }[];
      expect(n[0]!.n).toBe(0);
    });
  });
}

rlsSuite('PostgreSQL', async () => {
  const url = inject('databaseUrl');
  const db = await openDatabase({ databaseUrl: url, poolSize: 2 });
  const client = postgres(url, { max: 1, onnotice: () => {} });
  const raw = async (q: string) => [...(await client.unsafe(q))];
  const close = db.close;
  db.close = async () => {
    await client.end();
    await close();
  };
  return { db, raw };
});

rlsSuite('PGlite (embedded mode)', async () => {
  const pg = new PGlite();
  const db = await openDatabase({ pglite: pg });
  await runMigrations(db);
  return { db, raw: async (q: string) => (await pg.query(q)).rows };
});
