import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateKey } from '../../src/crypto.js';
import { eventually, JWT, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';
import { spawnKabar, type KabarProcess } from './harness.js';

// A dispatcher process killed (SIGKILL) while its provider call is in flight. The next dispatcher
// settles the cut-off send by KABAR_RECEIPT_CHANNELS (src/config.ts): on a channel whose provider
// reports every accepted message (receipts), a send with no receipt is resent; on any other
// channel (push always, and a channel left out of the list) it may have arrived, so it ends
// FAILED "INTERRUPTED…" and only a person's retryDelivery sends it again, once.

const LEASE_MS = 10_000;
const NO_RECEIPTS =
  'INTERRUPTED: the send was cut off and this provider reports no receipts, so it may or may not have arrived; not resent to avoid a duplicate';
const DELIVERY = 'query($id: ID!) { delivery(id: $id) { id channel status reason history { status reason } } }';

describe('a dispatcher killed mid-send: push, and a channel without receipts', () => {
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    KAFKA_EVENTS_TOPIC: `pc.events.${suffix}`,
    KAFKA_DLQ_TOPIC: `pc.dlq.${suffix}`,
    KAFKA_STATUS_TOPIC: `pc.status.${suffix}`,
    KAFKA_LIVE_TOPIC: `pc.live.${suffix}`,
    KAFKA_CONSUMER_GROUP: `pc-dispatcher-${suffix}`,
  };
  let p: Providers;
  let api: TestKabar;
  let dispatcherEnv: Record<string, string>;
  const running: KabarProcess[] = [];

  beforeAll(async () => {
    // A "timeout" fault holds the call far longer than any test here: it is in flight when the process dies.
    p = await startProviders(2000, 300_000);
    const env = { ...p.env, ...topics, KAFKA_BROKERS: inject('kafkaBrokers'), KABAR_ENCRYPTION_KEY: generateKey() };
    api = await startKabar({ channels: p.channels, env, roles: ['api'] });
    dispatcherEnv = {
      ...env,
      DATABASE_URL: inject('databaseUrl'),
      KABAR_JWT_SECRET: JWT.secret,
      AWS_ACCESS_KEY_ID: p.ses.credentials[0]!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: p.ses.credentials[0]!.secretAccessKey,
      KABAR_ROLES: 'dispatcher',
      KABAR_PUBLIC_URL: api.url.replace(/\/graphql$/, ''),
      KABAR_SEND_LEASE_MS: String(LEASE_MS),
      // The killed dispatcher's partitions move to the next one after this, not after 30 s.
      KAFKA_SESSION_TIMEOUT_MS: '8000',
      PROVIDER_TIMEOUT_MS: '4000',
      KABAR_RETRY_BASE_MS: '100',
      KABAR_CONFIG_CACHE_MS: '0',
    };
  }, 120_000);
  afterAll(async () => {
    for (const d of running) d.kill('SIGKILL');
    await api?.stop();
    await p?.close();
  });

  const start = async (extra: Record<string, string>) => {
    const d = await spawnKabar({ ...dispatcherEnv, ...extra }, 600_000); // a loaded machine starts it slowly
    running.push(d);
    return d;
  };
  const delivery = async (t: TestTenant, id: string) => (await api.gql(t.admin, DELIVERY, { id })).data.delivery;

  /**
   * Sends `type` on `channel` only through a dispatcher that is killed while the provider holds
   * the call; returns the tenant, the delivery, and the dispatcher that takes over.
   */
  async function killedMidSend(
    type: string,
    channel: 'PUSH' | 'SMS',
    fake: { fail(n: number, kind: 'timeout'): void; attempts: number },
    extra: Record<string, string>,
  ) {
    p.reset();
    const t = await api.newTenant();
    expect(
      (
        await api.gql(
          t.admin,
          `mutation { setEventChannels(eventType: "${type}", channels: [${channel}]) { eventType } }`,
        )
      ).errors,
    ).toBeUndefined();
    fake.fail(1, 'timeout');
    const first = await start(extra);
    const input = sampleEvent(type, { pushTokens: ['device-crash-1'] });
    expect(
      (
        await api.gql(t.service, 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }', {
          input,
        })
      ).errors,
    ).toBeUndefined();
    await eventually(() => expect(fake.attempts).toBe(1), 60_000, 20);
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // The fault struck mid-send: the call was in flight, its delivery still QUEUED, nothing accepted.
    const rows = (
      await api.gql(
        t.admin,
        'query($e: String) { deliveries(first: 5, filter: { eventId: $e }) { edges { node { id channel status } } } }',
        { e: input.id },
      )
    ).data.deliveries.edges.map((e: any) => e.node);
    expect(rows).toEqual([{ id: expect.any(String), channel, status: 'QUEUED' }]);
    const next = await start(extra);
    return { t, id: rows[0].id as string, next };
  }

  it('push: the cut-off send ends INTERRUPTED, not resent; retryDelivery sends it exactly once', async () => {
    const { t, id, next } = await killedMidSend('walkin.token_called', 'PUSH', p.fcm, {});
    const interrupted = await eventually(
      async () => {
        const d = await delivery(t, id);
        expect(d.status).toBe('FAILED');
        return d;
      },
      LEASE_MS * 4,
      250,
    );
    expect(interrupted.reason).toBe(NO_RECEIPTS);
    expect(p.fcm.received).toHaveLength(0);
    expect(p.fcm.attempts).toBe(1);

    const retried = await api.gql(t.admin, 'mutation($id: ID!) { retryDelivery(id: $id) { status } }', { id });
    expect(retried.errors, JSON.stringify(retried.errors)).toBeUndefined();
    await eventually(async () => expect((await delivery(t, id)).status).toBe('SENT'), 30_000, 250);
    expect(p.fcm.received).toHaveLength(1);
    expect(p.fcm.received[0]).toMatchObject({
      token: 'device-crash-1',
      data: expect.objectContaining({ deliveryId: id }),
    });
    // A lease later, still one message: nothing else took it over.
    await new Promise((r) => setTimeout(r, LEASE_MS + 2000));
    expect(p.fcm.received).toHaveLength(1);
    expect((await delivery(t, id)).history.map((h: any) => h.status)).toEqual(['QUEUED', 'FAILED', 'QUEUED', 'SENT']);
    next.kill('SIGKILL');
  }, 600_000);

  it('SMS left out of KABAR_RECEIPT_CHANNELS: treated like push, INTERRUPTED and never resent', async () => {
    const { t, id, next } = await killedMidSend('prescription.ready', 'SMS', p.sms, {
      KABAR_RECEIPT_CHANNELS: 'WHATSAPP,EMAIL',
    });
    const d = await eventually(
      async () => {
        const row = await delivery(t, id);
        expect(row.status).toBe('FAILED');
        return row;
      },
      LEASE_MS * 4,
      250,
    );
    expect(d.reason).toBe(NO_RECEIPTS);
    await new Promise((r) => setTimeout(r, LEASE_MS + 2000));
    expect(p.sms.received).toHaveLength(0);
    expect(p.sms.attempts).toBe(1);
    next.kill('SIGKILL');
  }, 600_000);

  it('SMS in KABAR_RECEIPT_CHANNELS (the default): no receipt came, so the cut-off send is resent, once', async () => {
    const { t, id, next } = await killedMidSend('prescription.ready', 'SMS', p.sms, {});
    await eventually(async () => expect((await delivery(t, id)).status).toBe('SENT'), LEASE_MS * 4, 250);
    const d = await delivery(t, id);
    expect(d.history.map((h: any) => h.reason ?? h.status)).toEqual([
      'QUEUED',
      'attempt 1 was cut off and the provider never reported it; resending',
      'SENT',
    ]);
    await new Promise((r) => setTimeout(r, LEASE_MS + 2000));
    expect(p.sms.received).toHaveLength(1);
    expect(p.sms.attempts).toBe(2);
    next.kill('SIGKILL');
  }, 600_000);
});
