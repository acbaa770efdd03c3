import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendWhatsAppWebhook } from '../fakes/whatsapp.js';
import { whatsappTemplateCategoryPayload } from '../fakes/whatsapp-meta.js';
import { startKabar, type TestKabar } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import {
  CREDIT,
  ledger,
  META_PRICES,
  metaTenant,
  postWebhook,
  setMetaPrices,
  settledDeliveries,
  type MetaTenant,
} from '../helpers/meta.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// Meta's verdict on WhatsApp templates, over the wire: its webhooks (and a send it refuses)
// decide whether a template's messages go, and at which category's price.

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';
const TEMPLATE = 'kabar_appointment_confirmed';
const TEMPLATE_QUERY =
  'query { templates(eventType: "appointment.confirmed", channel: WHATSAPP, language: ID) { whatsAppTemplateName whatsAppCategory whatsAppStatus whatsAppStatusReason } }';

describe("WhatsApp templates: Meta's verdict", () => {
  let k: TestKabar;
  let p: Providers;

  beforeAll(async () => {
    p = await startProviders();
    k = await startKabar({ channels: p.channels, env: { ...p.env, KABAR_RETRY_BASE_MS: '50' } });
    await setMetaPrices(k);
  });
  afterAll(async () => {
    await k.stop();
    await p.close();
  });
  beforeEach(() => p.reset());

  /** Publishes appointment.confirmed and returns its WhatsApp delivery once settled. */
  async function whatsAppOf(t: MetaTenant) {
    const input = sampleEvent('appointment.confirmed');
    expect((await k.gql(t.service, PUBLISH, { input })).errors).toBeUndefined();
    const rows = await settledDeliveries(k, t, { e: input.id }, 2);
    return rows.find((r) => r.channel === 'WHATSAPP');
  }
  const template = async (t: MetaTenant) => (await k.gql(t.admin, TEMPLATE_QUERY)).data.templates[0];
  const adminAlerts = (t: MetaTenant, n: number) => settledDeliveries(k, t, { t: 'whatsapp.template_status' }, n);

  it('a template paused between two sends: the second is skipped TEMPLATE_NOT_APPROVED, not charged; the admin is told once; REINSTATED lets it go again', async () => {
    const t = await metaTenant(k, p);
    const other = await metaTenant(k, p);
    expect(await template(t)).toEqual({
      whatsAppTemplateName: TEMPLATE,
      whatsAppCategory: 'UTILITY',
      whatsAppStatus: 'UNKNOWN',
      whatsAppStatusReason: null,
    });
    expect(
      (
        await k.gql(
          t.admin,
          'query { templates(eventType: "appointment.confirmed", channel: EMAIL, language: ID) { whatsAppStatus } }',
        )
      ).data.templates[0].whatsAppStatus,
    ).toBeNull();
    expect(await whatsAppOf(t)).toMatchObject({ status: 'SENT', cost: META_PRICES.UTILITY });

    const paused = p.whatsapp.templateVerdict(TEMPLATE, 'id', 'PAUSED', { reason: 'Low quality rating' });
    expect(await postWebhook(t, paused)).toMatchObject({ ok: true });
    expect(await template(t)).toMatchObject({ whatsAppStatus: 'PAUSED', whatsAppStatusReason: 'Low quality rating' });
    // The same body again is a replay; the same verdict in another envelope changes nothing either.
    expect(await postWebhook(t, paused)).toMatchObject({ replay: true });
    await postWebhook(t, p.whatsapp.templateVerdict(TEMPLATE, 'id', 'PAUSED', { reason: 'Low quality rating' }));
    const [alert] = await adminAlerts(t, 1);
    expect(alert).toMatchObject({ channel: 'EMAIL', recipient: 'admin@rs.example', status: 'SENT' });
    expect(alert.renderedBody).toContain(TEMPLATE);
    expect(alert.renderedBody).toContain('PAUSED');
    const audit = await k.gql(
      t.admin,
      'query { auditLog(first: 10, filter: { action: "config.whatsapp_template.verdict" }) { edges { node { entityId details } } } }',
    );
    expect(audit.data.auditLog.edges.map((e: any) => e.node)).toEqual([
      expect.objectContaining({
        entityId: `${TEMPLATE}:id`,
        details: expect.objectContaining({ status: 'PAUSED', source: 'webhook' }),
      }),
    ]);

    const attempts = p.whatsapp.received.length;
    expect(await whatsAppOf(t)).toMatchObject({ status: 'SKIPPED', reason: 'TEMPLATE_NOT_APPROVED', cost: null });
    expect(p.whatsapp.received).toHaveLength(attempts);
    expect((await ledger(k, t)).balance).toBe(String(Number(CREDIT) - Number(META_PRICES.UTILITY)));

    // Another tenant cannot be touched: its templates are its own, and A's secret opens nothing of B's.
    expect(await template(other)).toMatchObject({ whatsAppStatus: 'UNKNOWN' });
    expect(
      (await sendWhatsAppWebhook(other.hook, t.secret, p.whatsapp.templateVerdict(TEMPLATE, 'id', 'DISABLED'))).status,
    ).toBe(401);
    expect(await template(other)).toMatchObject({ whatsAppStatus: 'UNKNOWN' });

    await postWebhook(t, p.whatsapp.templateVerdict(TEMPLATE, 'id', 'REINSTATED'));
    expect(await template(t)).toMatchObject({ whatsAppStatus: 'APPROVED', whatsAppStatusReason: null });
    await adminAlerts(t, 2);
    expect(await whatsAppOf(t)).toMatchObject({ status: 'SENT', cost: META_PRICES.UTILITY });
    expect((await ledger(k, t)).balance).toBe(String(Number(CREDIT) - 2 * Number(META_PRICES.UTILITY)));
  });

  it('FLAGGED is a warning (still sent), REJECTED and DISABLED stop the template, with the reason', async () => {
    const t = await metaTenant(k, p);
    await postWebhook(t, p.whatsapp.templateVerdict(TEMPLATE, 'id', 'FLAGGED'));
    expect(await template(t)).toMatchObject({
      whatsAppStatus: 'APPROVED',
      whatsAppStatusReason: expect.stringContaining('FLAGGED'),
    });
    expect(await whatsAppOf(t)).toMatchObject({ status: 'SENT' });
    await postWebhook(t, p.whatsapp.templateVerdict(TEMPLATE, 'id', 'REJECTED', { reason: 'INCORRECT_CATEGORY' }));
    expect(await template(t)).toMatchObject({ whatsAppStatus: 'REJECTED', whatsAppStatusReason: 'INCORRECT_CATEGORY' });
    expect(await whatsAppOf(t)).toMatchObject({ status: 'SKIPPED', reason: 'TEMPLATE_NOT_APPROVED' });
    await postWebhook(
      t,
      p.whatsapp.templateVerdict(TEMPLATE, 'id', 'DISABLED', { disableDate: Date.UTC(2026, 11, 1) / 1000 }),
    );
    expect(await template(t)).toMatchObject({
      whatsAppStatus: 'DISABLED',
      whatsAppStatusReason: 'disabled on 2026-12-01',
    });
    await adminAlerts(t, 3);
  });

  it("a category change moves the template's price, default template included", async () => {
    const t = await metaTenant(k, p);
    expect(await whatsAppOf(t)).toMatchObject({ status: 'SENT', cost: META_PRICES.UTILITY });
    await postWebhook(
      t,
      whatsappTemplateCategoryPayload({ name: TEMPLATE, language: 'id', previous: 'UTILITY', next: 'MARKETING' }),
    );
    expect(await template(t)).toMatchObject({ whatsAppCategory: 'MARKETING', whatsAppStatus: 'UNKNOWN' });
    expect(await whatsAppOf(t)).toMatchObject({ status: 'SENT', cost: META_PRICES.MARKETING });
    const [alert] = await adminAlerts(t, 1);
    expect(alert.renderedBody).toContain('MARKETING');
    expect((await ledger(k, t)).balance).toBe(
      String(Number(CREDIT) - Number(META_PRICES.UTILITY) - Number(META_PRICES.MARKETING)),
    );
  });

  it('a send Meta refuses with 132015 marks the template PAUSED: that message fails and is refunded, the next is skipped unsent', async () => {
    const t = await metaTenant(k, p);
    // Meta paused it, and its webhook has not come yet.
    p.whatsapp.verdicts.set(`${TEMPLATE}:id`, 'PAUSED');
    const failed = await whatsAppOf(t);
    expect(failed).toMatchObject({ status: 'FAILED', reason: expect.stringMatching(/^132015: /) });
    expect(await template(t)).toMatchObject({
      whatsAppStatus: 'PAUSED',
      whatsAppStatusReason: expect.stringMatching(/^132015: /),
    });
    const attempts = p.whatsapp.attempts;
    expect(await whatsAppOf(t)).toMatchObject({ status: 'SKIPPED', reason: 'TEMPLATE_NOT_APPROVED', cost: null });
    expect(p.whatsapp.attempts).toBe(attempts);
    const [alert] = await adminAlerts(t, 1);
    expect(alert.renderedBody).toContain('PAUSED');
    const audit = await k.gql(
      t.admin,
      'query { auditLog(first: 10, filter: { action: "config.whatsapp_template.verdict" }) { edges { node { details } } } }',
    );
    expect(audit.data.auditLog.edges[0].node.details).toMatchObject({ status: 'PAUSED', source: 'send' });
    const { balance, rows } = await ledger(k, t);
    expect(balance).toBe(CREDIT);
    expect(
      rows
        .filter((r) => r.deliveryId === failed.id)
        .map((r) => r.kind)
        .sort(),
    ).toEqual(['DEBIT', 'REFUND']);
  });
});
