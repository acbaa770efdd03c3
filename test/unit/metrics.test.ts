import { describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { createSandboxChannels } from '../../src/channels/sandbox.channel.js';
import type { Channels, SendOutcome } from '../../src/channels/channel.types.js';
import { reasonCode } from '../../src/dlq-reason.js';
import { createBus } from '../../src/events/bus.js';
import { instrumentBus, instrumentChannels, instrumentProducer, registry } from '../../src/metrics.js';
import { opsPortFromEnv } from '../../src/ops.js';

/** The value of one sample in the Prometheus text output (0 when absent). */
async function sample(name: string, labels: Record<string, string> = {}): Promise<number> {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of (await registry.metrics()).split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(m[3]);
  }
  return 0;
}

describe('metrics', () => {
  it('times provider calls by channel and outcome and counts transient failures', async () => {
    const outcomes: SendOutcome[] = [
      { ok: false, transient: true, reason: '503' },
      { ok: false, transient: false, reason: 'rejected' },
      { ok: true, providerMessageId: 'm1' },
    ];
    const base = createSandboxChannels(() => {});
    const fake: Channels = { ...base, sms: { send: async () => outcomes.shift()! } };
    const ch = instrumentChannels(fake);
    expect(instrumentChannels(ch)).toBe(ch); // never wrapped twice
    const before = {
      transient: await sample('kabar_provider_transient_failures_total', { channel: 'SMS' }),
      sent: await sample('kabar_provider_request_duration_seconds_count', { channel: 'SMS', outcome: 'sent' }),
      permanent: await sample('kabar_provider_request_duration_seconds_count', {
        channel: 'SMS',
        outcome: 'permanent',
      }),
      transientCalls: await sample('kabar_provider_request_duration_seconds_count', {
        channel: 'SMS',
        outcome: 'transient',
      }),
    };
    for (let i = 0; i < 3; i++) await ch.sms.send({ to: '+6281234567890', body: 'x', statusCallback: 'http://x' });
    expect(await sample('kabar_provider_transient_failures_total', { channel: 'SMS' })).toBe(before.transient + 1);
    expect(await sample('kabar_provider_request_duration_seconds_count', { channel: 'SMS', outcome: 'sent' })).toBe(
      before.sent + 1,
    );
    expect(
      await sample('kabar_provider_request_duration_seconds_count', { channel: 'SMS', outcome: 'permanent' }),
    ).toBe(before.permanent + 1);
    expect(
      await sample('kabar_provider_request_duration_seconds_count', { channel: 'SMS', outcome: 'transient' }),
    ).toBe(before.transientCalls + 1);
    // registerWebhook passes through untouched.
    expect((await ch.whatsapp.registerWebhook('k', 'http://x', 's')).ok).toBe(true);
  });

  it('counts adapter exceptions as outcome "error" and rethrows', async () => {
    const base = createSandboxChannels(() => {});
    const ch = instrumentChannels({
      ...base,
      push: {
        send: async () => {
          throw new Error('bug');
        },
      },
    });
    await expect(ch.push.send({ deviceToken: 't', title: 't', body: 'b' })).rejects.toThrow('bug');
    expect(await sample('kabar_provider_request_duration_seconds_count', { channel: 'PUSH', outcome: 'error' })).toBe(
      1,
    );
  });

  it('counts every delivery status published on the bus, and WhatsApp SENT as billable', async () => {
    const bus = instrumentBus(createBus());
    const at = new Date();
    const status = (channel: string, s: string) => ({
      tenantId: 't',
      deliveryId: 'd',
      eventId: 'e',
      eventType: 'x',
      channel,
      status: s,
      reason: null,
      at,
    });
    const sent0 = await sample('kabar_deliveries_total', { channel: 'WHATSAPP', status: 'SENT' });
    const billable0 = await sample('kabar_whatsapp_billable_messages_total');
    bus.publish('delivery.status', status('WHATSAPP', 'SENT'));
    bus.publish('delivery.status', status('WHATSAPP', 'DELIVERED'));
    bus.publish('delivery.status', status('EMAIL', 'SENT'));
    bus.publish('credit.balance', { tenantId: 't', currency: 'IDR', balance: '1', updatedAt: at });
    expect(await sample('kabar_deliveries_total', { channel: 'WHATSAPP', status: 'SENT' })).toBe(sent0 + 1);
    expect(await sample('kabar_deliveries_total', { channel: 'WHATSAPP', status: 'DELIVERED' })).toBe(1);
    expect(await sample('kabar_whatsapp_billable_messages_total')).toBe(billable0 + 1);
  });

  it('counts dead-lettered messages by reason code, only on the DLQ topic and once sent', async () => {
    const sent: unknown[] = [];
    const producer = { send: async (r: unknown) => void sent.push(r) } as unknown as Producer;
    const counted = instrumentProducer(producer, 'dlq');
    await counted.send({
      topic: 'dlq',
      messages: [
        { value: 'x', headers: { 'kabar-dlq-reason': "INVALID_DATA: /patient must have required property 'name'" } },
        { value: 'y', headers: { 'kabar-dlq-reason': Buffer.from('UNKNOWN_TENANT: 0d3c…') } },
      ],
    });
    await counted.send({
      topic: 'events',
      messages: [{ value: 'z', headers: { 'kabar-dlq-reason': 'INVALID_JSON: nope' } }],
    });
    expect(sent).toHaveLength(2);
    expect(await sample('kabar_events_dead_lettered_total', { reason: 'INVALID_DATA' })).toBe(1);
    expect(await sample('kabar_events_dead_lettered_total', { reason: 'UNKNOWN_TENANT' })).toBe(1);
    expect(await sample('kabar_events_dead_lettered_total', { reason: 'INVALID_JSON' })).toBe(0);
  });

  it('reduces reasons to bounded codes', () => {
    expect(reasonCode('INVALID_JSON: the value is not JSON')).toBe('INVALID_JSON');
    expect(reasonCode('EMPTY: no message value')).toBe('EMPTY');
    expect(reasonCode('something unexpected')).toBe('OTHER');
  });

  it('reads KABAR_OPS_PORT', () => {
    expect(opsPortFromEnv({})).toBeUndefined();
    expect(opsPortFromEnv({ KABAR_OPS_PORT: '9464' })).toBe(9464);
    expect(() => opsPortFromEnv({ KABAR_OPS_PORT: 'abc' })).toThrow(/KABAR_OPS_PORT/);
  });

  it('includes the default process metrics', async () => {
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
