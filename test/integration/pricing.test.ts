import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, platformToken, startKabar, type TestKabar } from '../helpers/app.js';

const SET =
  'mutation($input: WhatsAppPriceInput!) { setWhatsAppPrice(input: $input) { id country currency category pricePerMessage effectiveFrom } }';
const EFFECTIVE =
  'query($c: String!, $cur: String!, $cat: WhatsAppCategory!, $at: DateTime) { effectiveWhatsAppPrice(country: $c, currency: $cur, category: $cat, at: $at) { pricePerMessage effectiveFrom } }';

describe('WhatsApp pricing', () => {
  let k: TestKabar;
  let platform: string;
  // A country of its own so parallel test files cannot interfere.
  const country = 'MY';
  beforeAll(async () => {
    k = await startKabar();
    platform = await platformToken();
  });
  afterAll(async () => k.stop());

  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString();

  it('returns the latest price whose effective date has come, per category', async () => {
    for (const [price, from, category] of [
      ['0.1500', day(-30), 'UTILITY'],
      ['0.1800', day(-1), 'UTILITY'],
      ['0.2500', day(+10), 'UTILITY'],
      ['0.4000', day(-5), 'MARKETING'],
    ] as const) {
      const res = await k.gql(platform, SET, {
        input: { country, currency: 'MYR', category, pricePerMessage: price, effectiveFrom: from },
      });
      expect(res.errors, price).toBeUndefined();
    }
    const t = await k.newTenant({ country: 'MY', currency: 'MYR', timezone: 'Asia/Kuala_Lumpur' });
    const now = await k.gql(t.staff, EFFECTIVE, { c: country, cur: 'MYR', cat: 'UTILITY' });
    expect(now.data.effectiveWhatsAppPrice.pricePerMessage).toBe('0.18');
    const past = await k.gql(t.staff, EFFECTIVE, { c: country, cur: 'MYR', cat: 'UTILITY', at: day(-10) });
    expect(past.data.effectiveWhatsAppPrice.pricePerMessage).toBe('0.15');
    const future = await k.gql(t.staff, EFFECTIVE, { c: country, cur: 'MYR', cat: 'UTILITY', at: day(+11) });
    expect(future.data.effectiveWhatsAppPrice.pricePerMessage).toBe('0.25');
    const before = await k.gql(t.staff, EFFECTIVE, { c: country, cur: 'MYR', cat: 'UTILITY', at: day(-60) });
    expect(before.data.effectiveWhatsAppPrice).toBeNull();
    const marketing = await k.gql(t.staff, EFFECTIVE, { c: country, cur: 'MYR', cat: 'MARKETING' });
    expect(marketing.data.effectiveWhatsAppPrice.pricePerMessage).toBe('0.4');
    const none = await k.gql(t.staff, EFFECTIVE, { c: country, cur: 'MYR', cat: 'AUTHENTICATION' });
    expect(none.data.effectiveWhatsAppPrice).toBeNull();
    const list = await k.gql(t.staff, 'query { whatsAppPrices(country: "MY") { pricePerMessage category } }');
    expect(list.data.whatsAppPrices).toHaveLength(4);
  });

  it('never changes a price in place: the same effective date again is a CONFLICT', async () => {
    const input = {
      country,
      currency: 'MYR',
      category: 'SERVICE',
      pricePerMessage: '0.01',
      effectiveFrom: '2026-01-01T00:00:00Z',
    };
    expect((await k.gql(platform, SET, { input })).errors).toBeUndefined();
    const again = await k.gql(platform, SET, { input: { ...input, pricePerMessage: '0.02' } });
    expect(codeOf(again)).toBe('CONFLICT');
    const e = await k.gql(platform, EFFECTIVE, { c: country, cur: 'MYR', cat: 'SERVICE' });
    expect(e.data.effectiveWhatsAppPrice.pricePerMessage).toBe('0.01');
  });

  it('validates country, currency and money precision', async () => {
    const base = { country, currency: 'MYR', category: 'UTILITY', pricePerMessage: '0.5', effectiveFrom: day(0) };
    const cases: [Record<string, string>, string][] = [
      [{ country: 'XX' }, 'input.country'],
      [{ country: 'my' }, 'input.country'],
      [{ currency: 'ABC' }, 'input.currency'],
      [{ pricePerMessage: '0' }, 'input.pricePerMessage'],
      [{ pricePerMessage: '0.001' }, 'input.pricePerMessage'],
    ];
    for (const [patch, field] of cases) {
      const res = await k.gql(platform, SET, { input: { ...base, ...patch } });
      expect(codeOf(res), JSON.stringify(patch)).toBe('BAD_USER_INPUT');
      expect(res.errors![0]!.extensions.field).toBe(field);
    }
    const float = await k.gql(
      platform,
      `mutation { setWhatsAppPrice(input: { country: "MY", currency: "MYR", category: UTILITY, pricePerMessage: 0.5, effectiveFrom: "${day(0)}" }) { id } }`,
    );
    expect(codeOf(float)).toBe('BAD_USER_INPUT');
  });

  it('only platform administrators set prices, and every change is audited', async () => {
    const t = await k.newTenant();
    const input = {
      country,
      currency: 'MYR',
      category: 'AUTHENTICATION',
      pricePerMessage: '0.3',
      effectiveFrom: day(-2),
    };
    for (const token of [t.admin, t.support, t.staff, t.service])
      expect(codeOf(await k.gql(token, SET, { input }))).toBe('FORBIDDEN');
    const set = await k.gql(platform, SET, { input });
    const audit = await k.gql(
      platform,
      'query($id: String) { auditLog(filter: { action: "pricing.set", entityId: $id }) { edges { node { actor details } } } }',
      { id: set.data.setWhatsAppPrice.id },
    );
    expect(audit.data.auditLog.edges).toHaveLength(1);
    expect(audit.data.auditLog.edges[0].node).toMatchObject({
      actor: 'platform-test',
      details: { pricePerMessage: '0.3', category: 'AUTHENTICATION' },
    });
    // Tenants do not read platform-wide audit entries.
    const asTenant = await k.gql(
      t.admin,
      'query { auditLog(filter: { action: "pricing.set" }) { edges { node { id } } } }',
    );
    expect(asTenant.data.auditLog.edges).toEqual([]);
  });
});
