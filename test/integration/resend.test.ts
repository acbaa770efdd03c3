import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  enableWhatsApp,
  eventually,
  platformToken,
  setTestPrices,
  startKabar,
  type TestKabar,
  type TestTenant,
} from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// resendDeliveries through the public API, with the fake providers over HTTP: the gates run
// again, WhatsApp is charged once even when resent twice at once, every resend is audited, and
// what is not SKIPPED/FAILED (or not the caller's) is left unchanged. retryDelivery still works.

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted duplicate } }';
const DELIVERY =
  'query($id: ID!) { delivery(id: $id) { id channel status reason cost attempts deferredUntil providerMessageId history { status reason } } }';
const BY_EVENT =
  'query($e: String) { deliveries(first: 10, filter: { eventId: $e }) { edges { node { id channel status reason } } } }';
const RESEND =
  'mutation($ids: [ID!], $filter: DeliveryFilter) { resendDeliveries(ids: $ids, filter: $filter) { requeued unchanged } }';
const LEDGER =
  'query { creditBalance { balance } creditTransactions(first: 50) { edges { node { kind amount deliveryId } } } }';
const WA_TOKEN = 'd360-key-resend-0123';
const QUIET_MS = 1200;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('resendDeliveries: skipped and failed messages sent again, through the gates, charged once', () => {
  let k: TestKabar;
  let p: Providers;

  beforeAll(async () => {
    p = await startProviders();
    k = await startKabar({ channels: p.channels, env: { ...p.env, KABAR_RETRY_BASE_MS: '50' } });
    await setTestPrices(k);
  });
  afterAll(async () => {
    await k?.stop();
    await p?.close();
  });
  beforeEach(() => p.reset());

  function ok(res: { errors?: unknown; data: any }) {
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data;
  }

  async function tenant(credit: string): Promise<TestTenant> {
    const t = await k.newTenant();
    await enableWhatsApp(k, t, { token: `${WA_TOKEN}-${t.id.slice(0, 8)}`, credit, provider: p.whatsapp });
    return t;
  }

  async function topUp(t: TestTenant, amount: string) {
    const req = ok(await k.gql(t.admin, `mutation { requestCreditPurchase(amount: "${amount}") { id } }`));
    ok(
      await k.gql(await platformToken(), 'mutation($id: ID!) { confirmCreditPurchase(id: $id) { status } }', {
        id: req.requestCreditPurchase.id,
      }),
    );
  }

  /** appointment.no_show (WhatsApp only) to a phone of its own; waits for its one delivery to settle. */
  async function noShow(t: TestTenant, status = 'SKIPPED') {
    const phone = `+62814${randomInt(10_000_000, 99_999_999)}`;
    const input = sampleEvent('appointment.no_show', { phone });
    ok(await k.gql(t.service, PUBLISH, { input }));
    const row = await eventually(async () => {
      const [r] = ok(await k.gql(t.admin, BY_EVENT, { e: input.id })).deliveries.edges.map((e: any) => e.node);
      expect(r?.status).toBe(status);
      return r;
    });
    return { id: row.id as string, phone, patientId: (input.data.patient as { id: string }).id, row };
  }

  const whatsAppTo = (phone: string) => p.whatsapp.received.filter((m) => m.to === phone.slice(1) || m.to === phone);
  const delivery = async (t: TestTenant, id: string) => ok(await k.gql(t.admin, DELIVERY, { id })).delivery;
  const until = (t: TestTenant, id: string, status: string) =>
    eventually(async () => {
      const d = await delivery(t, id);
      expect(d.status).toBe(status);
      return d;
    });
  const debitsOf = (ledger: any, id: string) =>
    ledger.creditTransactions.edges.filter((e: any) => e.node.kind === 'DEBIT' && e.node.deliveryId === id);

  it('two concurrent resends of a message skipped for credit requeue it once: one WhatsApp message, one debit', async () => {
    const t = await tenant('0');
    const m = await noShow(t);
    expect(m.row.reason).toBe('INSUFFICIENT_CREDIT');
    await topUp(t, '1000');
    const answers = await Promise.all(
      [0, 1].map(async () => ok(await k.gql(t.admin, RESEND, { ids: [m.id] })).resendDeliveries),
    );
    expect(answers.map((a) => `${a.requeued}/${a.unchanged}`).sort()).toEqual(['0/1', '1/0']);
    const sent = await until(t, m.id, 'SENT');
    expect(sent).toMatchObject({ cost: '350.5', reason: null, deferredUntil: null, attempts: 1 });
    expect(sent.history.map((h: any) => h.reason ?? h.status)).toEqual([
      'QUEUED',
      'INSUFFICIENT_CREDIT',
      expect.stringMatching(/^resent by /),
      'SENT',
    ]);
    await pause(QUIET_MS);
    expect(whatsAppTo(m.phone)).toHaveLength(1);
    expect(whatsAppTo(m.phone)[0]!.messageId).toBe(sent.providerMessageId);
    const ledger = ok(await k.gql(t.admin, LEDGER));
    expect(debitsOf(ledger, m.id)).toHaveLength(1);
    expect(ledger.creditBalance.balance).toBe('649.5');
    const audit = ok(
      await k.gql(
        t.admin,
        'query { auditLog(first: 10, filter: { action: "delivery.resend" }) { edges { node { entityId details } } } }',
      ),
    ).auditLog.edges;
    expect(audit.map((e: any) => e.node.entityId)).toEqual([m.id]);
  });

  it("by filter: every matching delivery is requeued and audited; sent, unknown and other tenants' ids are unchanged", async () => {
    const t = await tenant('0');
    const skipped = [await noShow(t), await noShow(t), await noShow(t)];
    await topUp(t, '5000');
    const res = ok(
      await k.gql(t.admin, RESEND, { filter: { status: 'SKIPPED', reason: 'INSUFFICIENT_CREDIT' } }),
    ).resendDeliveries;
    expect(res).toEqual({ requeued: 3, unchanged: 0 });
    for (const m of skipped) expect(await until(t, m.id, 'SENT')).toMatchObject({ cost: '350.5' });
    await pause(QUIET_MS);
    for (const m of skipped) expect(whatsAppTo(m.phone)).toHaveLength(1);
    const ledger = ok(await k.gql(t.admin, LEDGER));
    for (const m of skipped) expect(debitsOf(ledger, m.id)).toHaveLength(1);
    expect(ledger.creditBalance.balance).toBe('3948.5');
    const audit = ok(
      await k.gql(
        t.admin,
        'query { auditLog(first: 10, filter: { action: "delivery.resend" }) { edges { node { entityId } } } }',
      ),
    ).auditLog.edges;
    expect(audit.map((e: any) => e.node.entityId).sort()).toEqual(skipped.map((m) => m.id).sort());

    // Nothing left to resend, a SENT one, an unknown id, a malformed one: unchanged, nothing sent.
    expect(
      ok(await k.gql(t.admin, RESEND, { filter: { status: 'SKIPPED', reason: 'INSUFFICIENT_CREDIT' } }))
        .resendDeliveries,
    ).toEqual({ requeued: 0, unchanged: 0 });
    expect(ok(await k.gql(t.admin, RESEND, { ids: [skipped[0]!.id] })).resendDeliveries).toEqual({
      requeued: 0,
      unchanged: 1,
    });
    expect(ok(await k.gql(t.admin, RESEND, { ids: [randomUUID(), 'not-a-uuid'] })).resendDeliveries).toEqual({
      requeued: 0,
      unchanged: 2,
    });

    // Another tenant's skipped delivery: indistinguishable from an unknown id, and left as it was.
    const other = await tenant('0');
    const theirs = await noShow(other);
    await topUp(other, '1000');
    expect(ok(await k.gql(t.admin, RESEND, { ids: [theirs.id] })).resendDeliveries).toEqual({
      requeued: 0,
      unchanged: 1,
    });
    expect(ok(await k.gql(t.admin, RESEND, { filter: { patientId: theirs.patientId } })).resendDeliveries).toEqual({
      requeued: 0,
      unchanged: 0,
    });
    await pause(QUIET_MS);
    expect(await delivery(other, theirs.id)).toMatchObject({ status: 'SKIPPED', reason: 'INSUFFICIENT_CREDIT' });
    expect(whatsAppTo(theirs.phone)).toHaveLength(0);
    expect(ok(await k.gql(other.admin, 'query { creditBalance { balance } }')).creditBalance.balance).toBe('1000');
    expect(p.whatsapp.received).toHaveLength(3);
  });

  it('only a tenant administrator resends, with ids or a filter (not both, not neither)', async () => {
    const t = await tenant('0');
    const m = await noShow(t);
    for (const token of [t.support, t.staff, t.service])
      expect((await k.gql(token, RESEND, { ids: [m.id] })).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await k.gql(t.admin, RESEND, {})).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'ids',
    });
    expect(
      (await k.gql(t.admin, RESEND, { ids: [m.id], filter: { status: 'SKIPPED' } })).errors?.[0]?.extensions,
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
    expect(await delivery(t, m.id)).toMatchObject({ status: 'SKIPPED', reason: 'INSUFFICIENT_CREDIT' });
  });

  it('a patient who opted out meanwhile is skipped again: nothing sent, nothing charged', async () => {
    const t = await tenant('0');
    const m = await noShow(t);
    await topUp(t, '1000');
    ok(
      await k.gql(
        t.admin,
        'mutation($p: String!) { setPatientPreference(input: { patientId: $p, channel: WHATSAPP, status: OPTED_OUT, evidence: "call 7" }) { patientId } }',
        { p: m.patientId },
      ),
    );
    expect(ok(await k.gql(t.admin, RESEND, { ids: [m.id] })).resendDeliveries).toEqual({ requeued: 1, unchanged: 0 });
    const after = await eventually(async () => {
      const d = await delivery(t, m.id);
      expect(d).toMatchObject({ status: 'SKIPPED', reason: 'OPTED_OUT' });
      return d;
    });
    expect(after.cost).toBeNull();
    await pause(QUIET_MS);
    expect(whatsAppTo(m.phone)).toHaveLength(0);
    const ledger = ok(await k.gql(t.admin, LEDGER));
    expect(debitsOf(ledger, m.id)).toHaveLength(0);
    expect(ledger.creditBalance.balance).toBe('1000');
  });

  it('a permanent failure resent after its fix is charged again once; retryDelivery still works', async () => {
    const t = await tenant('1000');
    await eventually(() =>
      expect(p.whatsapp.webhooks.some((w) => w.url.endsWith(`/webhooks/whatsapp/${t.id}`))).toBe(true),
    );
    p.whatsapp.fail(2, 'permanent', 131026);
    const a = await noShow(t, 'FAILED');
    const b = await noShow(t, 'FAILED');
    expect(ok(await k.gql(t.admin, LEDGER)).creditBalance.balance).toBe('1000'); // both refunded
    expect(ok(await k.gql(t.admin, RESEND, { ids: [a.id] })).resendDeliveries).toEqual({ requeued: 1, unchanged: 0 });
    const retried = ok(
      await k.gql(t.admin, 'mutation($id: ID!) { retryDelivery(id: $id) { id status } }', { id: b.id }),
    ).retryDelivery;
    expect(retried).toEqual({ id: b.id, status: 'QUEUED' });
    for (const m of [a, b]) expect(await until(t, m.id, 'SENT')).toMatchObject({ cost: '350.5' });
    await pause(QUIET_MS);
    expect(whatsAppTo(a.phone)).toHaveLength(1);
    expect(whatsAppTo(b.phone)).toHaveLength(1);
    const ledger = ok(await k.gql(t.admin, LEDGER));
    // One DEBIT per delivery; charging a refunded one again is an ADJUSTMENT.
    for (const m of [a, b]) {
      const moves = ledger.creditTransactions.edges
        .filter((e: any) => e.node.deliveryId === m.id)
        .map((e: any) => `${e.node.kind} ${e.node.amount}`);
      expect(moves.sort()).toEqual(['ADJUSTMENT -350.5', 'DEBIT -350.5', 'REFUND 350.5']);
    }
    expect(ledger.creditBalance.balance).toBe('299');
    // Retrying a SENT delivery is refused; resending it changes nothing.
    expect(
      (await k.gql(t.admin, 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', { id: b.id })).errors?.[0]
        ?.extensions.code,
    ).toBeTruthy();
    expect(ok(await k.gql(t.admin, RESEND, { ids: [b.id] })).resendDeliveries).toEqual({ requeued: 0, unchanged: 1 });
  });
});
