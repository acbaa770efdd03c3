import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../src/events/envelope.js';
import { createKeyedQueue, orderingKey } from '../../src/consumers/keyed-queue.js';
import { movesForward } from '../../src/services/delivery-status.service.js';
import { backoffMs } from '../../src/services/sender.service.js';
import { priceAt, type PriceRow } from '../../src/services/pricing.service.js';
import { sampleEvent } from '../helpers/events.js';

const tenant = '5b7e3f0a-1111-4222-8333-444455556666';

describe('keyed queue', () => {
  it('keeps one key in submission order while other keys overlap, never above the limit', async () => {
    const q = createKeyedQueue(3);
    const log: string[] = [];
    let peak = 0;
    const task = (key: string, i: number, ms: number) =>
      q.run(key, async () => {
        peak = Math.max(peak, q.inFlight);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${key}${i}`);
      });
    await Promise.all([
      task('a', 1, 30),
      task('a', 2, 1),
      task('a', 3, 1),
      task('b', 1, 5),
      task('c', 1, 5),
      task('d', 1, 5),
    ]);
    expect(log.filter((x) => x.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(log.indexOf('b1')).toBeLessThan(log.indexOf('a1'));
    expect(peak).toBeLessThanOrEqual(3);
  });

  it('orders by appointment, else patient, else the event itself', () => {
    expect(orderingKey('t', 'e1', { appointment: { id: 'a1' }, patient: { id: 'p1' } })).toBe('t:a1');
    expect(orderingKey('t', 'e1', { patient: { id: 'p1' } })).toBe('t:p1');
    expect(orderingKey('t', 'e1', { bill: {} })).toBe('t:event:e1');
  });
});

describe('delivery status moves forward only', () => {
  it.each([
    ['QUEUED', 'SENT', true],
    ['SENT', 'DELIVERED', true],
    ['DELIVERED', 'READ', true],
    ['QUEUED', 'READ', true],
    ['DELIVERED', 'SENT', false],
    ['READ', 'DELIVERED', false],
    ['SENT', 'FAILED', true],
    ['DELIVERED', 'FAILED', false],
    ['FAILED', 'SENT', false],
    ['SKIPPED', 'SENT', false],
    ['SENT', 'SENT', false],
  ] as const)('%s -> %s: %s', (from, to, ok) => expect(movesForward(from, to)).toBe(ok));
});

describe('retry backoff', () => {
  it('grows exponentially with jitter and a cap', () => {
    expect(backoffMs(1, 500, () => 0)).toBe(250);
    expect(backoffMs(1, 500, () => 1)).toBe(500);
    expect(backoffMs(4, 500, () => 1)).toBe(4000);
    expect(backoffMs(30, 500, () => 1)).toBe(300_000);
  });
});

describe('envelope decoding', () => {
  const e = sampleEvent('report.ready');
  const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

  it('accepts the plain envelope and both CloudEvents modes', () => {
    expect(decodeEnvelope(buf({ ...e, tenantId: tenant }), {}, tenant)).toMatchObject({
      ok: true,
      tenantId: tenant,
      event: { id: e.id, type: e.type },
    });
    expect(
      decodeEnvelope(
        buf({
          specversion: '1.0',
          id: e.id,
          source: '/x',
          type: e.type,
          time: e.occurredAt,
          tenantid: tenant,
          data: e.data,
        }),
        {},
        tenant,
      ),
    ).toMatchObject({ ok: true });
    expect(
      decodeEnvelope(
        buf(e.data),
        {
          ce_specversion: '1.0',
          ce_id: e.id,
          ce_source: '/x',
          ce_type: e.type,
          ce_time: e.occurredAt,
          ce_tenantid: tenant,
        },
        tenant,
      ),
    ).toMatchObject({ ok: true });
  });

  it.each([
    ['INVALID_JSON', buf('{nope'), tenant],
    ['EMPTY', Buffer.alloc(0), tenant],
    ['TOO_LARGE', Buffer.alloc(1024 * 1024 + 1, 32), tenant],
    ['KEY_MISMATCH', buf({ ...e, tenantId: tenant }), 'someone-else'],
    ['UNKNOWN_TYPE', buf({ ...e, type: 'x.y', tenantId: tenant }), tenant],
    ['RESERVED_TYPE', buf({ ...e, type: 'appointment.reminder', tenantId: tenant }), tenant],
    ['RESERVED_TYPE', buf({ ...e, type: 'whatsapp.template_status', tenantId: tenant }), tenant],
    ['INVALID_DATA', buf({ ...e, data: {}, tenantId: tenant }), tenant],
    ['INVALID_ENVELOPE', buf({ ...e, tenantId: 'not-a-uuid' }), 'not-a-uuid'],
    ['INVALID_ENVELOPE', buf({ ...e, occurredAt: 'yesterday', tenantId: tenant }), tenant],
  ])('rejects %s', (reason, value, key) => {
    const out = decodeEnvelope(value, {}, key);
    expect(out.ok).toBe(false);
    expect(!out.ok && out.reason).toMatch(new RegExp(`^${reason}`));
  });
});

describe('a cached price schedule', () => {
  const row = (price: string, from: string) => ({ pricePerMessage: price, effectiveFrom: new Date(from) }) as PriceRow;
  // Newest first, as priceSchedule returns it: the price in force when it was read, and one set for later.
  const schedule = [row('0.25', '2026-12-01T00:00:00Z'), row('0.18', '2026-11-01T00:00:00Z')];

  it('gives the price in force at the moment asked, so a future price applies from its date without a re-read', () => {
    expect(priceAt(schedule, new Date('2026-11-30T23:59:59Z'))?.pricePerMessage).toBe('0.18');
    expect(priceAt(schedule, new Date('2026-12-01T00:00:00Z'))?.pricePerMessage).toBe('0.25');
    expect(priceAt(schedule, new Date('2026-10-31T00:00:00Z'))).toBeNull();
    expect(priceAt([], new Date())).toBeNull();
  });
});
