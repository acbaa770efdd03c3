import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';

/**
 * The dispatcher's configuration cache, seen from the process that holds it. The cache lives
 * for ten minutes here, so only an announcement (NOTIFY kabar_config) or a reconnect of the
 * LISTEN connection can make a change visible within the test. The change is written by
 * "another process": a connection of the test's own, outside Kabar.
 */
describe('configuration cache', () => {
  let k: TestKabar;
  let sql: postgres.Sql;

  beforeAll(async () => {
    k = await startKabar({ env: { KABAR_CONFIG_CACHE_MS: '600000' } });
    sql = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql.end();
    await k.stop();
  });

  /** The EMAIL outcome of a fresh report.ready: SENT while the channel is on, SKIPPED when it is off. */
  async function emailOutcome(t: TestTenant): Promise<string> {
    const input = sampleEvent('report.ready');
    expect((await k.gql(t.service, PUBLISH, { input })).errors).toBeUndefined();
    return eventually(async () => {
      const res = await k.gql(
        t.admin,
        'query($e: String) { deliveries(filter: { eventId: $e, channel: EMAIL }) { edges { node { status reason } } } }',
        { e: input.id },
      );
      const [row] = res.data.deliveries.edges.map((e: any) => e.node);
      expect(row).toBeDefined();
      expect(row.status).not.toBe('QUEUED');
      return `${row.status}:${row.reason}`;
    });
  }
  /** Another process turns the tenant's report.ready emails off, without telling anyone. */
  const switchOffSilently = (t: TestTenant) =>
    sql.begin(async (tx) => {
      await tx`select set_config('app.tenant_id', ${t.id}, true)`;
      await tx`insert into event_channel_settings (tenant_id, event_type, channels, enabled) values (${t.id}, 'report.ready', '{EMAIL}', false)`;
    });
  /** The backends LISTENing on kabar_config (Kabar's, and those of other files' processes). */
  const listeners = async () =>
    (
      await sql`select pid from pg_stat_activity where datname = current_database() and query ilike 'listen%kabar_config%' and pid <> pg_backend_pid()`
    ).map((r) => r.pid as number);

  it('a change another process announces is seen at once by a process whose cache is warm', async () => {
    const t = await k.newTenant();
    expect(await emailOutcome(t)).toBe('SENT:null'); // the tenant's channel settings are now cached
    await switchOffSilently(t);
    // Unannounced, the warm cache still has the old setting: this is what the announcement fixes.
    expect(await emailOutcome(t)).toBe('SENT:null');
    await sql`select pg_notify('kabar_config', ${t.id})`;
    await eventually(async () => expect(await emailOutcome(t)).toBe('SKIPPED:CHANNEL_DISABLED'));
  });

  it('a reconnect of the LISTEN connection drops everything cached (announcements made meanwhile are lost)', async () => {
    const t = await k.newTenant();
    expect(await emailOutcome(t)).toBe('SENT:null');
    await switchOffSilently(t);
    expect(await emailOutcome(t)).toBe('SENT:null');
    const before = await listeners();
    expect(before.length).toBeGreaterThan(0);
    await sql`select pg_terminate_backend(pid) from unnest(${before}::int[]) as pid`;
    // postgres.js reconnects the listener, and Kabar treats the reconnect as "anything may have changed".
    await eventually(
      async () => expect((await listeners()).filter((pid) => !before.includes(pid)).length).toBeGreaterThan(0),
      15_000,
      100,
    );
    await eventually(async () => expect(await emailOutcome(t)).toBe('SKIPPED:CHANNEL_DISABLED'), 15_000, 200);
  });
});
