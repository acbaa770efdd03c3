import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted duplicate } }';
const DELIVERIES = `query($e: String) { deliveries(first: 100, filter: { eventId: $e }) { edges { node {
  channel status reason providerMessageId renderedBody } } } }`;

// sampleData('report.ready'): "Hematologi Lengkap" by "dr. Andi Wijaya, Sp.PD" at "Klinik Sehat Menteng".
const privateText = (tenantName: string) =>
  `You have a new message from ${tenantName} (Klinik Sehat Menteng). Open WhatsApp or your email to read it.`;

describe('private previews: SMS and push of clinical events through the API, at the fake providers', () => {
  let k: TestKabar;
  let p: Providers;

  beforeAll(async () => {
    p = await startProviders();
    k = await startKabar({ channels: p.channels, env: p.env });
  });
  afterAll(async () => {
    await k.stop();
    await p.close();
  });

  async function ok(token: string, doc: string, vars?: Record<string, unknown>) {
    const res = await k.gql(token, doc, vars);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data;
  }

  /** An English tenant whose report.ready goes by SMS, push and email. */
  async function tenant(privatePreviews?: '1' | '0'): Promise<TestTenant & { name: string }> {
    const name = `RS Sehat ${randomUUID().slice(0, 6)}`;
    const t = await k.newTenant({ name, defaultLanguage: 'EN' });
    await ok(
      t.admin,
      'mutation { setEventChannels(eventType: "report.ready", channels: [SMS, PUSH, EMAIL]) { enabled } }',
    );
    if (privatePreviews)
      await ok(t.admin, 'mutation($v: String!) { setReferenceData(key: "Private_Previews", value: $v) { key } }', {
        v: privatePreviews,
      });
    return { ...t, name };
  }

  /** Publishes an event to a fresh device token; returns its deliveries once all are sent, by channel. */
  async function send(t: TestTenant, type: string): Promise<Record<string, any>> {
    const input = sampleEvent(type, { language: 'en', pushTokens: [`device-${randomUUID()}`] });
    await ok(t.service, PUBLISH, { input });
    return eventually(async () => {
      const rows = (await ok(t.admin, DELIVERIES, { e: input.id })).deliveries.edges.map((e: any) => e.node);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(r.status, `${r.channel}: ${r.reason}`).toBe('SENT');
      return Object.fromEntries(rows.map((r: any) => [r.channel, r]));
    });
  }

  /** What the fake SMS and push providers received for these deliveries. */
  const atProviders = (rows: Record<string, any>) => ({
    sms: p.sms.received.find((m) => m.sid === rows.SMS.providerMessageId)!,
    push: p.fcm.received.find((m) => m.name === rows.PUSH.providerMessageId)!,
    email: p.ses.received.find((m) => m.messageId === rows.EMAIL.providerMessageId)!,
  });

  it('with Private_Previews=1, report.ready SMS and push say only that the tenant has a message; email keeps the full text', async () => {
    const t = await tenant('1');
    const rows = await send(t, 'report.ready');
    expect(Object.keys(rows).sort()).toEqual(['EMAIL', 'PUSH', 'SMS']);
    const expected = privateText(t.name);
    expect(rows.SMS.renderedBody).toBe(expected);
    expect(rows.PUSH.renderedBody).toBe(expected);
    const sent = atProviders(rows);
    expect(sent.sms.body).toBe(expected);
    expect({ title: sent.push.title, body: sent.push.body }).toEqual({ title: t.name, body: expected });
    for (const text of [sent.sms.body, sent.push.title, sent.push.body]) expect(text).not.toMatch(/Hematologi|Andi/);

    expect(rows.EMAIL.renderedBody).toContain('Hematologi Lengkap');
    expect(sent.email.text).toContain('Hematologi Lengkap');
  });

  it('without it (or with "0"), SMS and push carry the full text', async () => {
    for (const t of [await tenant(), await tenant('0')]) {
      const rows = await send(t, 'report.ready');
      const sent = atProviders(rows);
      expect(rows.SMS.renderedBody).toBe(
        'Klinik Sehat Menteng: your report (Hematologi Lengkap) has been verified and is now available.',
      );
      expect(sent.sms.body).toBe(rows.SMS.renderedBody);
      expect(rows.PUSH.renderedBody).toBe('Your report (Hematologi Lengkap) has been verified and is now available.');
      expect({ title: sent.push.title, body: sent.push.body }).toEqual({
        title: 'Your report is ready',
        body: rows.PUSH.renderedBody,
      });
    }
  });

  it('switching it off applies to the next event at once; walk-in calls are never affected', async () => {
    const t = await tenant('1');
    const called = await send(t, 'walkin.token_called');
    expect(atProviders({ ...called, EMAIL: {} }).sms.body).toContain('A-017');
    expect(called.PUSH.renderedBody).toContain('A-017');

    expect((await send(t, 'report.ready')).SMS.renderedBody).toBe(privateText(t.name));
    await ok(t.admin, 'mutation { setReferenceData(key: "Private_Previews", value: "0") { key } }');
    expect((await send(t, 'report.ready')).SMS.renderedBody).toContain('Hematologi Lengkap');
  });
});
