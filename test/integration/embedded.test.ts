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
  const { app } = runtime;
  const server = runtime.server!;
  const tenantId = await ensureDemoTenant(app);
  const tokens = await demoTokens(app, tenantId);
  const gql = async (token: string, query: string) =>
    (await (await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) })).json()) as any;
  return { app, server, tenantId, tokens, gql, stop: () => runtime.stop() };
}

describe('embedded mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kabar-embedded-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs with no servers, prints working tokens, and keeps its data across a restart', async () => {
    const first = await boot(dir);
    expect(first.app.db.kind).toBe('pglite');
    const tenant = await first.gql(first.tokens.TENANT_ADMIN, '{ tenant { id name currency } referenceData(key: "WhatsApp_Notification") { value } }');
    expect(tenant.data.tenant).toMatchObject({ id: first.tenantId, currency: 'IDR' });
    expect(tenant.data.referenceData.value).toBe('1');
    const set = await first.gql(first.tokens.TENANT_ADMIN, 'mutation { upsertWhatsAppConfig(input: { senderNumber: "+6281234567890", token: "sandbox-token-123", country: "ID", currency: "IDR", isActive: true }) { tokenSet } }');
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
    await second.stop();
  }, 60_000);
});
