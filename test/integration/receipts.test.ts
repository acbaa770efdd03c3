import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmailChannel } from '../../src/channels/email.channel.js';
import type { Channels } from '../../src/channels/channel.types.js';
import { enableReceipts } from '../fakes/receipts.js';
import { eventually, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// Receipts settle what a timeout left unsure, on every receipt channel (WhatsApp's case is in
// dispatch.test.ts): SES and SMS take the message but answer after Kabar's timeout ("late"), and
// their receipt, not a second send, makes it SENT. And what SES is told: its `delivery` tag, and
// its verdict on a request signed with a wrong secret.

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';
const OF_EVENT =
  'query($e: String) { deliveries(first: 10, filter: { eventId: $e }) { edges { node { id channel status reason providerMessageId history { status reason } } } } }';
/** How long a timed-out send waits for its receipt before it is sent again (KABAR_RECEIPT_GRACE_MS). */
const RECEIPT_GRACE_MS = 3000;
const TIMEOUT_MS = 500;

describe('receipts settle timed-out sends that arrived; what SES is told', () => {
  let k: TestKabar;
  let p: Providers;
  /** The adapter configuration in use: the good one, or SES credentials with a wrong secret. */
  let wrongSecret = false;

  beforeAll(async () => {
    p = await startProviders(TIMEOUT_MS);
    const bad = createEmailChannel({
      region: p.env.AWS_REGION!,
      endpoint: p.ses.url,
      from: 'no-reply@klinik.example',
      timeoutMs: TIMEOUT_MS,
      credentials: { accessKeyId: p.ses.credentials[0]!.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    const channels: Channels = {
      ...p.channels,
      email: { send: (m) => (wrongSecret ? bad : p.channels.email).send(m) },
    };
    k = await startKabar({
      channels,
      env: { ...p.env, KABAR_RETRY_BASE_MS: '50', KABAR_RECEIPT_GRACE_MS: String(RECEIPT_GRACE_MS) },
      snsFetchCert: (url) => p.sns.fetchCert(url),
    });
  });
  afterAll(async () => {
    await k?.stop();
    await p?.close();
  });
  beforeEach(() => {
    p.reset();
    wrongSecret = false;
  });

  /** A tenant sending `type` on `channel` only. */
  async function tenantFor(type: string, channel: 'EMAIL' | 'SMS'): Promise<TestTenant> {
    const t = await k.newTenant();
    const res = await k.gql(
      t.admin,
      `mutation { setEventChannels(eventType: "${type}", channels: [${channel}]) { eventType } }`,
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return t;
  }

  async function publishOne(t: TestTenant, type: string) {
    const input = sampleEvent(type);
    const res = await k.gql(t.service, PUBLISH, { input });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return eventually(async () => {
      const rows = (await k.gql(t.admin, OF_EVENT, { e: input.id })).data.deliveries.edges.map((e: any) => e.node);
      expect(rows).toHaveLength(1);
      expect(rows[0].status).not.toBe('QUEUED');
      return rows[0];
    }, 15_000);
  }

  const TIMED_OUT = `attempt 1 failed (timeout after ${TIMEOUT_MS} ms); retrying unless the provider's receipt shows it arrived`;

  it.each([
    ['EMAIL', 'report.ready', () => p.ses.received.map((m) => m.messageId)],
    ['SMS', 'prescription.ready', () => p.sms.received.map((m) => m.sid)],
  ] as const)(
    '%s: a send that timed out but did arrive is settled by its receipt, not sent twice',
    async (channel, type, ids) => {
      const t = await tenantFor(type, channel);
      // The provider takes the message, answers after Kabar's timeout, and reports it a second later.
      enableReceipts(p, k.url, { delayMs: 1000 });
      try {
        (channel === 'EMAIL' ? p.ses : p.sms).fail(1, 'late');
        const row = await publishOne(t, type);
        expect(ids()).toHaveLength(1);
        expect(row).toMatchObject({ channel, status: 'SENT', providerMessageId: ids()[0] });
        expect(row.history.map((h: any) => h.reason ?? h.status)).toEqual(['QUEUED', TIMED_OUT, 'SENT']);
        // Past the grace, nothing was sent again.
        await new Promise((r) => setTimeout(r, RECEIPT_GRACE_MS + 1000));
        expect(ids()).toHaveLength(1);
        expect((channel === 'EMAIL' ? p.ses : p.sms).attempts).toBe(1);
      } finally {
        p.whatsapp.onAccepted = p.sms.onAccepted = p.ses.onAccepted = undefined;
      }
    },
  );

  it('tags every email with its delivery id and tenant, as SES events name them back', async () => {
    const t = await tenantFor('report.ready', 'EMAIL');
    const row = await publishOne(t, 'report.ready');
    expect(row.status).toBe('SENT');
    expect(p.ses.received).toHaveLength(1);
    expect(p.ses.received[0]!.tags).toEqual({ tenant: t.id, delivery: row.id });
    expect(p.ses.received[0]!.messageId).toBe(row.providerMessageId);
  });

  it("an email signed with a wrong secret is FAILED with SES's SignatureDoesNotMatch, and nothing reaches SES", async () => {
    const t = await tenantFor('report.ready', 'EMAIL');
    wrongSecret = true;
    const row = await publishOne(t, 'report.ready');
    expect(row).toMatchObject({ status: 'FAILED', providerMessageId: null });
    expect(row.reason).toBe(
      'SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
    expect(row.history.map((h: any) => h.status)).toEqual(['QUEUED', 'FAILED']);
    expect(p.ses.received).toHaveLength(0);
    expect(p.ses.attempts).toBe(1);
  });
});
