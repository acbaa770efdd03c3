import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, eventually, platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { eventId accepted duplicate } }';
const event = (extra: Record<string, unknown> = {}) => ({
  id: `evt-${randomUUID()}`,
  type: 'report.ready',
  occurredAt: new Date().toISOString(),
  data: {
    patient: { id: 'p-1', name: 'Siti Rahma', email: 'siti@example.id' },
    report: { id: 'r-1', name: 'Blood panel' },
    centre: { id: 'c-1', name: 'Klinik Sehat' },
  },
  ...extra,
});

/** The tenant comes from the token: an envelope may leave it out; another one is FORBIDDEN unless PLATFORM_ADMIN. */
describe('the tenant of an ingested event', () => {
  let k: TestKabar;
  let a: TestTenant;
  let b: TestTenant;
  let ingest: (token: string, body: unknown) => Promise<{ status: number; body: any }>;
  beforeAll(async () => {
    k = await startKabar();
    [a, b] = [await k.newTenant(), await k.newTenant()];
    ingest = async (token, body) => {
      const res = await fetch(k.url.replace(/\/graphql$/, '/events'), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
  });
  afterAll(async () => k.stop());

  const deliveredTo = (t: TestTenant, eventId: string) =>
    eventually(async () => {
      const res = await k.gql(
        t.admin,
        'query($id: String) { deliveries(filter: { eventId: $id }) { edges { node { status } } } }',
        { id: eventId },
      );
      expect(res.data.deliveries.edges.map((e: any) => e.node.status)).toContain('SENT');
    });

  it("POST /events without tenantId is for the token's tenant; the same tenant named is fine too", async () => {
    const bare = event();
    expect(await ingest(a.service, bare)).toEqual({
      status: 202,
      body: { eventId: bare.id, accepted: true, duplicate: false },
    });
    await deliveredTo(a, bare.id);
    const named = event({ tenantId: a.id });
    expect((await ingest(a.service, named)).status).toBe(202);
  });

  it('POST /events naming another tenant is FORBIDDEN for a tenant token, accepted from a platform admin', async () => {
    const other = await ingest(a.service, event({ tenantId: b.id }));
    expect(other).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const platform = await platformToken();
    const forB = event({ tenantId: b.id });
    expect((await ingest(platform, forB)).status).toBe(202);
    await deliveredTo(b, forB.id);
    // A platform token names no tenant of its own: the envelope must, and the tenant must exist.
    expect(await ingest(platform, event())).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_USER_INPUT', message: expect.stringContaining('tenantId') } },
    });
    expect(await ingest(platform, event({ tenantId: randomUUID() }))).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
  });

  it('publishEvent takes an optional tenantId under the same rule', async () => {
    const own = event({ tenantId: a.id });
    expect((await k.gql(a.service, PUBLISH, { input: own })).data.publishEvent).toMatchObject({
      accepted: true,
      duplicate: false,
    });
    expect(codeOf(await k.gql(a.service, PUBLISH, { input: event({ tenantId: b.id }) }))).toBe('FORBIDDEN');
    expect(codeOf(await k.gql(a.service, PUBLISH, { input: event() }))).toBeUndefined();
  });

  it('the Kafka path still needs tenantId in the envelope', async () => {
    const { decodeEnvelope } = await import('../../src/events/envelope.js');
    const { tenantId: _none, ...bare } = event() as ReturnType<typeof event> & { tenantId?: string };
    const decoded = decodeEnvelope(Buffer.from(JSON.stringify(bare)), {}, a.id);
    expect(decoded).toMatchObject({ ok: false, reason: expect.stringMatching(/^INVALID_ENVELOPE: tenantId /) });
  });
});
