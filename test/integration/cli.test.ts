import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createVerifier } from '../../src/auth/jwt.js';
import { replayDlq, type ReplaySummary } from '../../src/cli/replay-dlq.js';
import { ensureTopics } from '../../src/kafka/kafka-admin.js';
import { JWT, startKabar, type TestKabar } from '../helpers/app.js';
import { freePort } from '../helpers/net.js';
import { sampleEvent } from '../helpers/events.js';

const BIN = fileURLToPath(new URL('../../bin/kabar.mjs', import.meta.url));

/** Runs `kabar …` as a user would (bin/kabar.mjs → Node + tsx → src/cli.ts), from a neutral folder. */
function kabar(
  args: string[],
  env: Record<string, string> = {},
  cwd = tmpdir(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent' };
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...base, ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('kabar token', () => {
  const verify = createVerifier({ secret: JWT.secret, issuer: JWT.issuer, audience: JWT.audience });
  let tenant: string;
  let databaseUrl: string;
  let k: TestKabar;

  beforeAll(async () => {
    databaseUrl = inject('databaseUrl');
    k = await startKabar();
    tenant = (await k.newTenant()).id;
  });
  afterAll(async () => k?.stop());

  it('mints a token Kabar accepts, with KABAR_JWT_SECRET', async () => {
    const r = await kabar(
      ['token', '--tenant', tenant, '--roles', 'tenant_admin,STAFF', '--sub', 'alice', '--expires', '2h'],
      { KABAR_JWT_SECRET: JWT.secret, DATABASE_URL: databaseUrl },
    );
    expect(r.code, r.stderr).toBe(0);
    const token = r.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect(await verify(token)).toEqual({ sub: 'alice', tenantId: tenant, roles: ['TENANT_ADMIN', 'STAFF'] });
    expect(r.stderr).toMatch(/expires 20\d\d-/);
  }, 120_000);

  it('refuses a tenant that does not exist in one line, exit 1, unless --allow-unknown-tenant', async () => {
    const ghost = randomUUID();
    const env = { KABAR_JWT_SECRET: JWT.secret, DATABASE_URL: databaseUrl };
    const r = await kabar(['token', '--tenant', ghost, '--roles', 'TENANT_ADMIN'], env);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      `kabar: tenant ${ghost} does not exist (create it with createTenant first, or check the id); pass --allow-unknown-tenant to mint it anyway\n`,
    );
    const forced = await kabar(['token', '--tenant', ghost, '--roles', 'TENANT_ADMIN', '--allow-unknown-tenant'], env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain(`warning: tenant ${ghost} was not checked`);
    expect(await verify(forced.stdout.trim())).toMatchObject({ tenantId: ghost, roles: ['TENANT_ADMIN'] });
    // Kabar itself refuses that token, for the reason the CLI warned about.
    const res = await k.gql(forced.stdout.trim(), '{ tenant { id } }');
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'UNKNOWN_TENANT' });
  }, 180_000);

  it('checks the tenant with the running embedded Kabar, or in its data folder when none runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kabar-cli-'));
    try {
      writeFileSync(join(dir, 'jwt.secret'), `${JWT.secret}\n`);
      const port = String(await freePort());
      // No Kabar on PORT and no database yet: no tenant exists.
      const none = await kabar(['token', '--tenant', tenant, '--roles', 'STAFF'], { KABAR_DATA_DIR: dir, PORT: port });
      expect({ code: none.code, stderr: none.stderr }).toEqual({
        code: 1,
        stderr: expect.stringMatching(/^kabar: tenant \S+ does not exist .*\n$/),
      });
      // A Kabar answering on PORT (here the test's, which knows `tenant`) is asked instead.
      const asked = await kabar(['token', '--tenant', tenant, '--roles', 'STAFF'], {
        KABAR_DATA_DIR: dir,
        PORT: new URL(k.url).port,
      });
      expect(asked.code, asked.stderr).toBe(0);
      expect(await verify(asked.stdout.trim())).toMatchObject({ tenantId: tenant });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('uses the embedded secret in KABAR_DATA_DIR/jwt.secret when KABAR_JWT_SECRET is unset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kabar-cli-'));
    try {
      writeFileSync(join(dir, 'jwt.secret'), `${JWT.secret}\n`);
      const r = await kabar(['token', '--roles', 'PLATFORM_ADMIN'], { KABAR_DATA_DIR: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(await verify(r.stdout.trim())).toEqual({
        sub: 'cli-platform-admin',
        tenantId: null,
        roles: ['PLATFORM_ADMIN'],
      });
      const none = await kabar(['token', '--tenant', tenant, '--roles', 'STAFF'], {
        KABAR_DATA_DIR: join(dir, 'missing'),
      });
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/No JWT secret/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("rejects bad input with exit code 2 and the command's usage", async () => {
    const bad = [
      ['token', '--roles', 'STAFF'],
      ['token', '--tenant', 'not-a-uuid', '--roles', 'STAFF'],
      ['token', '--tenant', tenant, '--roles', 'JANITOR'],
      ['token', '--tenant', tenant, '--roles', 'STAFF', '--expires', 'soon'],
      ['token', '--bogus'],
    ];
    const [unknown, ...results] = await Promise.all([
      kabar(['frobnicate']),
      ...bad.map((args) => kabar(args, { KABAR_JWT_SECRET: JWT.secret })),
    ]);
    results.forEach((r, i) => {
      expect(r.code, bad[i]!.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('Usage: kabar token');
    });
    expect(unknown!.code).toBe(2);
    expect(unknown!.stderr).toContain('Unknown command "frobnicate"');
  }, 180_000);
});

describe('kabar replay-dlq', () => {
  const suffix = randomUUID().slice(0, 8);
  const eventsTopic = `kabar.events.replay.${suffix}`;
  const dlqTopic = `kabar.events.dlq.replay.${suffix}`;
  let brokers: string;
  let kafka: Kafka;
  let producer: Producer;
  let admin: Admin;
  const tenant = randomUUID();
  const good = sampleEvent('report.ready');

  const dlqHeaders = (reason: string) => ({
    'kabar-dlq-reason': reason,
    'kabar-dlq-topic': eventsTopic,
    'kabar-dlq-partition': '0',
    'kabar-dlq-offset': '7',
    'kabar-dlq-at': new Date().toISOString(),
  });
  const envOf = () => ({ KAFKA_BROKERS: brokers, KAFKA_EVENTS_TOPIC: eventsTopic, KAFKA_DLQ_TOPIC: dlqTopic });
  const highWater = async (topic: string) =>
    (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);

  beforeAll(async () => {
    brokers = inject('kafkaBrokers');
    await ensureTopics(brokers, [
      { topic: eventsTopic, numPartitions: 2 },
      { topic: dlqTopic, numPartitions: 2 },
    ]);
    kafka = new Kafka({ clientId: 'cli-test', brokers: [brokers], logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect()]);
    // What the dispatcher dead-letters: one event that passes today (its tenant was unknown then),
    // and three that are still broken.
    await producer.send({
      topic: dlqTopic,
      messages: [
        {
          key: tenant,
          value: JSON.stringify({ ...good, tenantId: tenant }),
          headers: { 'content-type': 'application/json', 'x-trace': 'abc', ...dlqHeaders(`UNKNOWN_TENANT: ${tenant}`) },
        },
        { key: tenant, value: '{"id": "oops"', headers: dlqHeaders('INVALID_JSON: the value is not JSON') },
        {
          key: tenant,
          value: JSON.stringify({ ...sampleEvent('report.ready'), data: { patient: { id: 'p' } }, tenantId: tenant }),
          headers: dlqHeaders('INVALID_DATA: …'),
        },
        {
          key: tenant,
          value: JSON.stringify({ ...sampleEvent('report.ready'), type: 'report.exploded', tenantId: tenant }),
          headers: dlqHeaders('UNKNOWN_TYPE: report.exploded'),
        },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [eventsTopic, dlqTopic] }).catch(() => {});
    await admin?.disconnect();
  });

  it('--dry-run re-validates every DLQ message, reports why the rest still fail, and writes nothing', async () => {
    const r = await kabar(['replay-dlq', '--dry-run', '--json'], envOf());
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as ReplaySummary;
    expect(s).toMatchObject({
      dryRun: true,
      available: 4,
      read: 4,
      replayed: 1,
      stillInvalid: 3,
      dlqTopic,
      eventsTopic,
    });
    expect(Object.fromEntries(Object.entries(s.reasons).map(([code, v]) => [code, v.count]))).toEqual({
      INVALID_JSON: 1,
      INVALID_DATA: 1,
      UNKNOWN_TYPE: 1,
    });
    expect(s.invalid.map((i) => i.originalReason)).toEqual(
      expect.arrayContaining(['INVALID_JSON: the value is not JSON']),
    );
    expect(r.stderr).toMatch(/replay-dlq: 4 message\(s\) on .* \(dry run/);
    expect(r.stderr).toMatch(/4\/4 read, 1 would be replayed, 3 still invalid/);
    expect(await highWater(eventsTopic)).toBe(0);

    const human = await kabar(['replay-dlq', '--dry-run', '--limit', '2'], envOf());
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^Dry run: read 2 of 4 message\(s\)/);
  });

  it('replays the messages that now pass with their original key, value and headers, minus kabar-dlq-*', async () => {
    const lines: string[] = [];
    const s = await replayDlq({ brokers, dlqTopic, eventsTopic, progress: (l) => lines.push(l) });
    expect(s).toMatchObject({ dryRun: false, read: 4, replayed: 1, stillInvalid: 3 });
    expect(lines.at(-1)).toMatch(/4\/4 read, 1 replayed, 3 still invalid/);
    expect(await highWater(eventsTopic)).toBe(1);

    const seen: { key: string; value: string; headers: Record<string, string> }[] = [];
    const consumer = kafka.consumer({ groupId: `cli-test-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: eventsTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) =>
        void seen.push({
          key: message.key!.toString(),
          value: message.value!.toString(),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        }),
    });
    try {
      await expect.poll(() => seen.length, { timeout: 15_000 }).toBe(1);
    } finally {
      await consumer.disconnect();
    }
    expect(seen[0]).toEqual({
      key: tenant,
      value: JSON.stringify({ ...good, tenantId: tenant }),
      headers: { 'content-type': 'application/json', 'x-trace': 'abc' },
    });
    // The throw-away consumer group is gone.
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    expect(groups.filter((g) => g.includes('replay-dlq'))).toEqual([]);
  });

  it('needs KAFKA_BROKERS', async () => {
    const r = await kabar(['replay-dlq', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KAFKA_BROKERS/);
  });
});
