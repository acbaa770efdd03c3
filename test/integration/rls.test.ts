import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { openDatabase, type DbHandle } from '../../src/db/db-client.js';
import { rowsOf } from '../../src/db/driver.js';
import { ErrorCode } from '../../src/domain-errors.js';
import { runMigrations } from '../../src/db/migrate.js';
import { pgErrorCode, withPlatform, withTenant } from '../../src/db/tenant.js';
import {
  auditLog,
  creditAlerts,
  webhookReceipts,
  creditPurchases,
  deliveries,
  deliveryStatusHistory,
  eventChannelSettings,
  events,
  reminders,
  routingRules,
  staffMembers,
  templates,
  walkinAlerts,
  whatsAppConfigs,
  patients,
  patientPreferences,
  inboundMessages,
  channelFallbacks,
  whatsAppTemplateVerdicts,
  whatsAppBilling,
} from '../../src/schema/index.js';
import { createTenant } from '../../src/services/tenants.service.js';
import { upsertStaff } from '../../src/services/staff.service.js';
import { setReferenceData } from '../../src/services/reference-data.service.js';
import { applyMovement } from '../../src/services/credits.service.js';

const TENANT_TABLES = [
  'reference_data',
  'whatsapp_configs',
  'credit_balances',
  'credit_transactions',
  'credit_purchases',
  'staff_members',
  'routing_rules',
  'event_channel_settings',
  'templates',
  'events',
  'deliveries',
  'delivery_status_history',
  'audit_log',
  'reminders',
  'walkin_alerts',
  'credit_alerts',
  'webhook_receipts',
  'patients',
  'patient_preferences',
  'inbound_messages',
  'channel_fallbacks',
  'whatsapp_template_verdicts',
  'whatsapp_billing',
];

/** Seeds two tenants with at least one row in every tenant table each. */
/** How a promise is rejected by PostgreSQL: its SQLSTATE and the server's message (drizzle wraps the driver's error in `cause`). */
async function pgRejection(
  attempt: Promise<unknown>,
): Promise<{ code: string | undefined; message: string | undefined }> {
  try {
    await attempt;
  } catch (err) {
    let message: string | undefined;
    for (
      let e = err as { code?: unknown; message?: string; cause?: unknown } | undefined, i = 0;
      e && i < 5;
      e = e.cause as typeof e, i++
    ) {
      if (typeof e.code === 'string') {
        message = e.message;
        break;
      }
    }
    return { code: pgErrorCode(err), message };
  }
  throw new Error('expected PostgreSQL to reject this, and it did not');
}

async function seed(db: DbHandle) {
  const ctx = { db, actor: 'test' };
  const ids: string[] = [];
  for (const name of ['A', 'B']) {
    const t = await withPlatform(ctx, (s) =>
      createTenant(s, {
        name: `RLS ${name} ${randomUUID().slice(0, 4)}`,
        country: 'ID',
        currency: 'IDR',
        defaultLanguage: 'EN',
        timezone: 'Asia/Jakarta',
      }),
    );
    await withTenant({ ...ctx, tenantId: t.id }, async (s) => {
      await upsertStaff(s, { name: `Nurse ${name}`, departments: ['billing'] });
      await setReferenceData(s, 'WhatsApp_Notification', '1');
      await applyMovement(s, { kind: 'ADJUSTMENT', amount: '1000', note: `seed ${name}` });
      const tenantId = t.id;
      await s.tx.insert(whatsAppConfigs).values({
        tenantId,
        tenantName: t.name,
        senderNumber: '+6281100000000',
        webhookSecretEnc: 'x',
        country: 'ID',
        currency: 'IDR',
        isActive: false,
      });
      await s.tx.insert(creditPurchases).values({ tenantId, amount: '10', currency: 'IDR', requestedBy: 'test' });
      await s.tx.insert(routingRules).values({ tenantId, name: 'R', eventPattern: '*', channels: ['EMAIL'] });
      await s.tx.insert(eventChannelSettings).values({ tenantId, eventType: 'report.ready', channels: ['SMS'] });
      await s.tx
        .insert(templates)
        .values({ tenantId, eventType: 'report.ready', channel: 'SMS', language: 'EN', body: 'Ready' });
      await s.tx.insert(events).values({ tenantId, id: 'e1', type: 'report.ready', occurredAt: new Date(), data: {} });
      const [d] = await s.tx
        .insert(deliveries)
        .values({
          tenantId,
          eventId: 'e1',
          eventType: 'report.ready',
          channel: 'SMS',
          recipient: '+6281234567890',
          recipientKind: 'patient',
          language: 'EN',
          status: 'SENT',
          renderedBody: 'Ready',
        })
        .returning();
      await s.tx.insert(deliveryStatusHistory).values({ tenantId, deliveryId: d!.id, status: 'SENT' });
      await s.tx.insert(reminders).values({
        tenantId,
        appointmentId: 'a1',
        offsetMinutes: 30,
        fireAt: new Date(Date.now() + 86_400_000),
        data: {},
        sourceEventId: 'e0',
      });
      await s.tx.insert(walkinAlerts).values({ tenantId, centreId: 'c1', queueName: 'Q', tokenNumber: 'A-1' });
      await s.tx.insert(creditAlerts).values({ tenantId, lastAlertAt: new Date() });
      await s.tx.insert(webhookReceipts).values({ tenantId, digest: `seed-${name}` });
      await s.tx.insert(patients).values({ tenantId, id: 'p1', phone: '+6281234567890' });
      await s.tx
        .insert(patientPreferences)
        .values({ tenantId, patientId: 'p1', channel: 'SMS', status: 'OPTED_OUT', source: 'api', actor: 'test' });
      await s.tx.insert(inboundMessages).values({
        tenantId,
        channel: 'SMS',
        providerMessageId: `in-${name}`,
        sender: '+6281234567890',
        body: 'STOP',
        action: 'OPTED_OUT',
      });
      await s.tx
        .insert(channelFallbacks)
        .values({ tenantId, eventPattern: '*', fromChannel: 'WHATSAPP', toChannel: 'SMS' });
      await s.tx
        .insert(whatsAppTemplateVerdicts)
        .values({ tenantId, templateName: 'kabar_report_ready', language: 'en', status: 'PAUSED' });
      await s.tx.insert(whatsAppBilling).values({
        tenantId,
        deliveryId: d!.id,
        providerMessageId: `wamid.${name}`,
        billable: true,
        outcome: 'MATCHED',
        amount: '0',
      });
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

    it('the list above is every table holding a tenant_id, so a new tenant table cannot be forgotten', async () => {
      const rows = (await raw(
        `select table_name from information_schema.columns where table_schema = 'public' and column_name = 'tenant_id' order by table_name`,
      )) as { table_name: string }[];
      expect(rows.map((r) => r.table_name)).toEqual([...TENANT_TABLES].sort());
      // Each has a policy for the application role, and no grant to PUBLIC.
      const policies = (await raw(
        `select distinct tablename from pg_policies where schemaname = 'public' and 'kabar_app' = any(roles)`,
      )) as { tablename: string }[];
      for (const t of TENANT_TABLES)
        expect(
          policies.map((p) => p.tablename),
          t,
        ).toContain(t);
      const publicGrants = (await raw(
        `select table_name, privilege_type from information_schema.role_table_grants where table_schema = 'public' and grantee = 'PUBLIC'`,
      )) as unknown[];
      expect(publicGrants).toEqual([]);
    });

    it('forces RLS on every tenant-owned table', async () => {
      const rows = (await raw(
        `select relname, relrowsecurity, relforcerowsecurity from pg_class where relname in (${TENANT_TABLES.map((t) => `'${t}'`).join(',')})`,
      )) as { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }[];
      expect(rows).toHaveLength(TENANT_TABLES.length);
      for (const r of rows) expect(r, r.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
    });

    it('a transaction with no tenant context sees zero rows, even on a superuser connection', async () => {
      const counts = await db.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('role', 'kabar_app', true)`);
        const out: Record<string, number> = {};
        for (const t of [...TENANT_TABLES, 'tenants'])
          out[t] = Number(rowsOf<{ n: string }>(await tx.execute(sql.raw(`select count(*) as n from ${t}`)))[0]!.n);
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

    it("a tenant's context sees its own rows in every tenant table and none of the other's", async () => {
      const seen = await withTenant({ db, actor: 'test', tenantId: a }, async (s) => {
        const out: Record<string, { own: number; other: number }> = {};
        for (const t of TENANT_TABLES) {
          const [r] = rowsOf<{ own: string; other: string }>(
            await s.tx.execute(
              sql.raw(
                `select count(*) filter (where tenant_id = '${a}') as own, count(*) filter (where tenant_id <> '${a}') as other from ${t}`,
              ),
            ),
          );
          out[t] = { own: Math.min(1, Number(r!.own)), other: Number(r!.other) };
        }
        return out;
      });
      expect(seen).toEqual(Object.fromEntries(TENANT_TABLES.map((t) => [t, { own: 1, other: 0 }])));
    });

    it('cannot write a row into another tenant', async () => {
      const attempt = withTenant({ db, actor: 'test', tenantId: a }, (s) =>
        s.tx.insert(staffMembers).values({ tenantId: b, name: 'Intruder' }),
      );
      expect(await pgRejection(attempt)).toEqual({
        code: '42501',
        message: 'new row violates row-level security policy for table "staff_members"',
      });
      const inB = await withTenant({ db, actor: 'test', tenantId: b }, (s) => s.tx.select().from(staffMembers));
      expect(inB.map((r) => r.name)).not.toContain('Intruder');
    });

    it("a unit's first statement already runs as the tenant, and its deferred writes commit with it", async () => {
      const name = `Deferred ${randomUUID().slice(0, 8)}`;
      const who = await withTenant({ db, actor: 'test', tenantId: a }, async (s) => {
        const [row] = rowsOf<{ role: string; tenant: string }>(
          await s.tx.execute(sql`select current_user as role, current_setting('app.tenant_id') as tenant`),
        );
        s.atCommit.insert(staffMembers, { tenantId: a, name });
        return row;
      });
      expect(who).toEqual({ role: 'kabar_app', tenant: a });
      const inA = await withTenant({ db, actor: 'test', tenantId: a }, (s) => s.tx.select().from(staffMembers));
      expect(inA.map((r) => r.name)).toContain(name);
    });

    // PostgreSQL only: PGlite runs in the process and has no connection to lose.
    if (label === 'PostgreSQL')
      it('a connection that dies inside a unit fails it as SERVICE_UNAVAILABLE, and later units get healthy connections', async () => {
        const attempt = withTenant({ db, actor: 'test', tenantId: a }, async (s) => {
          const [me] = rowsOf<{ pid: number }>(await s.tx.execute(sql`select pg_backend_pid() as pid`));
          await raw(`select pg_terminate_backend(${me!.pid})`);
          await s.tx.select().from(staffMembers);
        });
        await expect(attempt).rejects.toMatchObject({ code: ErrorCode.SERVICE_UNAVAILABLE });
        // More units than pooled connections: the broken one was reconnected, not handed out again.
        for (let i = 0; i < 6; i++) {
          const [row] = await withTenant({ db, actor: 'test', tenantId: a }, async (s) =>
            rowsOf<{ tenant: string }>(await s.tx.execute(sql`select current_setting('app.tenant_id') as tenant`)),
          );
          expect(row).toEqual({ tenant: a });
        }
      });

    it('a deferred write that fails rolls the whole unit back, and its error is the one the caller gets', async () => {
      const name = `Rolled back ${randomUUID().slice(0, 8)}`;
      let committed = false;
      const attempt = withTenant({ db, actor: 'test', tenantId: a }, async (s) => {
        await s.tx.insert(staffMembers).values({ tenantId: a, name });
        s.atCommit.insert(auditLog, {
          tenantId: a,
          actor: 'test',
          action: 'test.ok',
          entityType: 'test',
          at: new Date(),
        });
        // No such delivery: the foreign key refuses it at commit.
        s.atCommit.insert(deliveryStatusHistory, {
          tenantId: a,
          deliveryId: randomUUID(),
          status: 'SENT',
          at: new Date(),
        });
        // A second statement (the same table again) pipelined behind it fails only because the first did.
        s.atCommit.write(
          deliveryStatusHistory,
          s.tx.update(deliveryStatusHistory).set({ reason: 'never' }).where(sql`false`),
        );
        s.afterCommit(() => void (committed = true));
      });
      expect(
        pgErrorCode(
          await attempt.then(
            () => null,
            (e: unknown) => e,
          ),
        ),
      ).toBe('23503'); // foreign_key_violation
      expect(committed).toBe(false);
      const inA = await withTenant({ db, actor: 'test', tenantId: a }, (s) => s.tx.select().from(staffMembers));
      expect(inA.map((r) => r.name)).not.toContain(name);
      expect(
        await withTenant({ db, actor: 'test', tenantId: a }, (s) =>
          s.tx.select().from(auditLog).where(sql`${auditLog.action} = 'test.ok'`),
        ),
      ).toEqual([]);
      // The connection went back to the pool clean: the next unit works.
      expect(await withTenant({ db, actor: 'test', tenantId: a }, (s) => s.tx.select().from(staffMembers))).not.toEqual(
        [],
      );
    });

    it('the audit log rejects UPDATE, DELETE and TRUNCATE, even for the superuser owner', async () => {
      const before = (await raw(`select count(*)::int as n from audit_log`)) as { n: number }[];
      expect(before[0]!.n).toBeGreaterThan(0);
      await expect(raw(`update audit_log set action = 'forged'`)).rejects.toThrow(
        /audit_log is append-only: UPDATE rejected/,
      );
      await expect(raw(`delete from audit_log`)).rejects.toThrow(/audit_log is append-only: DELETE rejected/);
      await expect(raw(`truncate audit_log`)).rejects.toThrow(/audit_log is append-only: TRUNCATE rejected/);
      const n = (await raw(
        `select count(*)::int as n, count(*) filter (where action = 'forged')::int as forged from audit_log`,
      )) as { n: number; forged: number }[];
      expect(n[0]).toEqual({ n: before[0]!.n, forged: 0 });
    });

    it('the credit ledger rejects UPDATE, DELETE and TRUNCATE, even for the superuser owner', async () => {
      const before = (await raw(
        `select id, amount::text, balance_after::text from credit_transactions order by id`,
      )) as unknown[];
      expect(before.length).toBeGreaterThanOrEqual(2);
      await expect(raw(`update credit_transactions set amount = 999999`)).rejects.toThrow(
        /credit_transactions is append-only: UPDATE rejected/,
      );
      await expect(raw(`delete from credit_transactions where tenant_id = '${a}'`)).rejects.toThrow(
        /credit_transactions is append-only: DELETE rejected/,
      );
      await expect(raw(`truncate credit_transactions cascade`)).rejects.toThrow(
        /credit_transactions is append-only: TRUNCATE rejected/,
      );
      expect(await raw(`select id, amount::text, balance_after::text from credit_transactions order by id`)).toEqual(
        before,
      );
    });

    it('the application role cannot rewrite the ledger or the audit log either (no grant, and the trigger)', async () => {
      for (const q of [
        `update credit_transactions set note = 'x'`,
        `delete from credit_transactions`,
        `update audit_log set actor = 'x'`,
        `delete from audit_log`,
      ]) {
        const attempt = withTenant({ db, actor: 'test', tenantId: a }, (s) => s.tx.execute(sql.raw(q)));
        const table = q.includes('audit_log') ? 'audit_log' : 'credit_transactions';
        expect(await pgRejection(attempt), q).toEqual({
          code: '42501',
          message: `permission denied for table ${table}`,
        });
      }
      const seen = await withTenant({ db, actor: 'test', tenantId: a }, (s) =>
        s.tx.execute(sql`select count(*)::int as n from credit_transactions where note = 'x'`),
      );
      expect(rowsOf<{ n: number }>(seen)[0]!.n).toBe(0);
    });

    it('every tenant table holds rows of both tenants (so the zero counts below mean something)', async () => {
      // A superuser that does not take the application role bypasses RLS (PostgreSQL grants superusers BYPASSRLS):
      // that is why every unit of work in Kabar switches role first (src/db/tenant.ts).
      for (const t of TENANT_TABLES) {
        const rows = (await raw(
          `select count(distinct tenant_id)::int as n from ${t} where tenant_id in ('${a}', '${b}')`,
        )) as { n: number }[];
        expect(rows[0]!.n, t).toBe(2);
      }
    });

    it('a superuser session that takes the application role reads zero rows of every tenant table without a tenant, or with an unknown one', async () => {
      for (const setup of [
        [],
        [`select set_config('app.tenant_id', '', false)`],
        [`select set_config('app.tenant_id', '${randomUUID()}', false)`],
      ]) {
        const counts = await db.db.transaction(async (tx) => {
          await tx.execute(sql`set local role kabar_app`);
          for (const q of setup) await tx.execute(sql.raw(q.replace(', false)', ', true)')));
          const out: Record<string, number> = {};
          for (const t of TENANT_TABLES)
            out[t] = Number(rowsOf<{ n: string }>(await tx.execute(sql.raw(`select count(*) as n from ${t}`)))[0]!.n);
          return out;
        });
        expect(counts, JSON.stringify(setup)).toEqual(Object.fromEntries(TENANT_TABLES.map((t) => [t, 0])));
      }
    });

    it('the platform role reads only the tenant tables it is meant to (cross-tenant look-ups); the rest is refused', async () => {
      const PLATFORM_READS = [
        'audit_log',
        'channel_fallbacks',
        'credit_purchases',
        'deliveries',
        'reminders',
        'webhook_receipts',
      ];
      for (const t of TENANT_TABLES) {
        const attempt = withPlatform({ db, actor: 'test' }, (s) =>
          s.tx.execute(sql.raw(`select count(*) as n from ${t}`)),
        );
        if (PLATFORM_READS.includes(t)) await expect(attempt, t).resolves.toBeDefined();
        else
          expect(await pgRejection(attempt), t).toEqual({ code: '42501', message: `permission denied for table ${t}` });
      }
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
