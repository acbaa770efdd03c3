import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { demoTokens, ensureDemoTenant } from '../../src/embedded.js';
import { channelsFor, startRuntime } from '../../src/runtime.js';

/** What `npm start` does with no configuration: PGlite in a data folder, demo tenant, tokens. */
async function boot(dataDir: string) {
  const config = loadConfig({ KABAR_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const runtime = await startRuntime(config, { channels: channelsFor(config), port: 0, host: '127.0.0.1' });
  const app = runtime.app!;
  const server = runtime.server!;
  const tenantId = await ensureDemoTenant(app);
  const tokens = await demoTokens(app, tenantId);
  const gql = async (token: string, query: string) =>
    (await (
      await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      })
    ).json()) as any;
  return { app, server, tenantId, tokens, gql, stop: () => runtime.stop() };
}

describe('embedded mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kabar-embedded-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs with no servers, prints working tokens, and keeps its data across a restart', async () => {
    const first = await boot(dir);
    expect(first.app.db.kind).toBe('pglite');
    const tenant = await first.gql(
      first.tokens.TENANT_ADMIN,
      '{ tenant { id name currency } referenceData(key: "WhatsApp_Notification") { value } }',
    );
    expect(tenant.data.tenant).toMatchObject({ id: first.tenantId, currency: 'IDR' });
    expect(tenant.data.referenceData.value).toBe('1');
    const set = await first.gql(
      first.tokens.TENANT_ADMIN,
      'mutation { upsertWhatsAppConfig(input: { senderNumber: "+6281234567890", token: "sandbox-token-123", country: "ID", currency: "IDR", isActive: true }) { tokenSet } }',
    );
    expect(set.data.upsertWhatsAppConfig.tokenSet).toBe(true);
    const oldAdminToken = first.tokens.TENANT_ADMIN;
    await first.stop();

    const second = await boot(dir);
    expect(second.tenantId).toBe(first.tenantId);
    const again = await second.gql(oldAdminToken, '{ whatsAppConfig { senderNumber tokenSet isActive } }');
    expect(again.data.whatsAppConfig).toEqual({ senderNumber: '+6281234567890', tokenSet: true, isActive: true });
    const html = await fetch(second.server.url, { headers: { accept: 'text/html' } });
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const page = await html.text();
    expect(page).toContain('/graphiql/graphiql/graphiql.min.js');
    expect(page).not.toMatch(/https?:\/\/(unpkg|cdn|jsdelivr)/);
    const script = await fetch(new URL('/graphiql/graphiql/graphiql.min.js', second.server.url));
    expect(script.status).toBe(200);

    // The same flow as production, end to end: an event in, a WhatsApp message charged and recorded by the sandbox.
    const event = {
      id: 'evt-embedded-1',
      type: 'appointment.no_show',
      tenantId: second.tenantId,
      occurredAt: '2026-11-23T09:15:00+07:00',
      data: {
        patient: { id: 'p-1', name: 'Siti Rahma', phone: '+6281234567890' },
        appointment: { id: 'a-1', bookingReference: 'BK-1', slotStart: '2026-11-25T10:30:00+07:00' },
        doctor: { id: 'd-1', name: 'dr. Andi' },
        centre: { id: 'c-1', name: 'Klinik Sehat' },
      },
    };
    const posted = await fetch(new URL('/events', second.server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${second.tokens.SERVICE}` },
      body: JSON.stringify(event),
    });
    expect(posted.status).toBe(202);
    for (let i = 0; i < 50; i++) {
      const d = await second.gql(
        second.tokens.TENANT_ADMIN,
        '{ deliveries { edges { node { channel status cost providerMessageId } } } }',
      );
      const node = d.data.deliveries.edges[0]?.node;
      if (node?.status === 'SENT') {
        expect(node).toMatchObject({ channel: 'WHATSAPP', cost: '356.65' });
        expect(node.providerMessageId).toMatch(/^sandbox-/);
        break;
      }
      if (i === 49) throw new Error(`not sent: ${JSON.stringify(d)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await second.stop();
  }, 60_000);
});
