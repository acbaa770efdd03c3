import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, platformToken, startKabar, type TestKabar } from '../helpers/app.js';

const AUDIT = 'query($first: Int, $after: String, $filter: AuditFilter, $tenantId: ID) { auditLog(first: $first, after: $after, filter: $filter, tenantId: $tenantId) { edges { cursor node { id at actor action entityType entityId details tenantId } } pageInfo { hasNextPage endCursor } } }';

describe('audit log', () => {
  let k: TestKabar;
  beforeAll(async () => {
    k = await startKabar();
  });
  afterAll(async () => k.stop());

  it('records who changed what, newest first, paginated', async () => {
    const t = await k.newTenant();
    for (let i = 0; i < 7; i++) await k.gql(t.admin, `mutation { setReferenceData(key: "k${i}", value: "v${i}") { key } }`);
    const first = await k.gql(t.admin, AUDIT, { first: 3, filter: { action: 'config.reference_data.set' } });
    expect(first.data.auditLog.edges.map((e: any) => e.node.entityId)).toEqual(['k6', 'k5', 'k4']);
    expect(first.data.auditLog.edges[0].node).toMatchObject({ actor: `admin-${t.id.slice(0, 8)}`, entityType: 'reference_data', details: { from: null, to: 'v6' }, tenantId: t.id });
    const rest = await k.gql(t.admin, AUDIT, { first: 10, after: first.data.auditLog.pageInfo.endCursor, filter: { action: 'config.reference_data.set' } });
    expect(rest.data.auditLog.edges.map((e: any) => e.node.entityId)).toEqual(['k3', 'k2', 'k1', 'k0']);
    expect(rest.data.auditLog.pageInfo.hasNextPage).toBe(false);
    const created = await k.gql(t.support, AUDIT, { filter: { action: 'tenant.create' } });
    expect(created.data.auditLog.edges[0].node).toMatchObject({ actor: 'platform-test', entityId: t.id });
  });

  it('is readable by TENANT_ADMIN, SUPPORT (own tenant) and PLATFORM_ADMIN (all), nobody else', async () => {
    const a = await k.newTenant();
    const b = await k.newTenant();
    await k.gql(a.admin, 'mutation { setReferenceData(key: "secret-a", value: "1") { key } }');
    await k.gql(b.admin, 'mutation { setReferenceData(key: "secret-b", value: "1") { key } }');
    expect(codeOf(await k.gql(a.staff, AUDIT, {}))).toBe('FORBIDDEN');
    expect(codeOf(await k.gql(a.service, AUDIT, {}))).toBe('FORBIDDEN');
    const asB = await k.gql(b.support, AUDIT, { first: 100 });
    expect(asB.data.auditLog.edges.every((e: any) => e.node.tenantId === b.id)).toBe(true);
    expect(JSON.stringify(asB.data)).not.toContain('secret-a');
    expect(codeOf(await k.gql(b.admin, AUDIT, { tenantId: a.id }))).toBe('FORBIDDEN');
    const platform = await platformToken();
    const onlyA = await k.gql(platform, AUDIT, { first: 100, tenantId: a.id });
    expect(onlyA.data.auditLog.edges.map((e: any) => e.node.entityId)).toContain('secret-a');
    expect(onlyA.data.auditLog.edges.every((e: any) => e.node.tenantId === a.id)).toBe(true);
    const everything = await k.gql(platform, AUDIT, { first: 100, filter: { action: 'config.reference_data.set' } });
    const keys = everything.data.auditLog.edges.map((e: any) => e.node.entityId);
    expect(keys).toEqual(expect.arrayContaining(['secret-a', 'secret-b']));
  });
});
