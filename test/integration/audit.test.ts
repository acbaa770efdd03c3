import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, platformToken, startKabar, type TestKabar } from '../helpers/app.js';

const AUDIT =
  'query($first: Int, $after: String, $filter: AuditFilter, $tenantId: ID) { auditLog(first: $first, after: $after, filter: $filter, tenantId: $tenantId) { edges { cursor node { id at actor action entityType entityId details tenantId } } pageInfo { hasNextPage endCursor } } }';

describe('audit log', () => {
  let k: TestKabar;
  beforeAll(async () => {
    k = await startKabar();
  });
  afterAll(async () => k.stop());

  it('records who changed what, newest first, paginated', async () => {
    const t = await k.newTenant();
    // Seven changes of one known key: each entry says what it was and what it became.
    for (let i = 0; i < 7; i++)
      expect(
        (
          await k.gql(
            t.admin,
            `mutation { setReferenceData(key: "Walkin_Approaching_Threshold", value: "${i}") { key } }`,
          )
        ).errors,
      ).toBeUndefined();
    const first = await k.gql(t.admin, AUDIT, { first: 3, filter: { action: 'config.reference_data.set' } });
    expect(first.data.auditLog.edges.map((e: any) => e.node.details.to)).toEqual(['6', '5', '4']);
    expect(first.data.auditLog.edges[0].node).toMatchObject({
      actor: `admin-${t.id.slice(0, 8)}`,
      entityType: 'reference_data',
      entityId: 'Walkin_Approaching_Threshold',
      details: { from: '5', to: '6' },
      tenantId: t.id,
    });
    const rest = await k.gql(t.admin, AUDIT, {
      first: 10,
      after: first.data.auditLog.pageInfo.endCursor,
      filter: { action: 'config.reference_data.set' },
    });
    expect(rest.data.auditLog.edges.map((e: any) => e.node.details)).toEqual([
      { from: '2', to: '3' },
      { from: '1', to: '2' },
      { from: '0', to: '1' },
      { from: null, to: '0' },
    ]);
    expect(rest.data.auditLog.pageInfo.hasNextPage).toBe(false);
    const created = await k.gql(t.support, AUDIT, { filter: { action: 'tenant.create' } });
    expect(created.data.auditLog.edges[0].node).toMatchObject({ actor: 'platform-test', entityId: t.id });
  });

  it('is readable by TENANT_ADMIN, SUPPORT (own tenant) and PLATFORM_ADMIN (all), nobody else', async () => {
    const a = await k.newTenant();
    const b = await k.newTenant();
    // Each tenant's change is told apart by its value.
    expect(
      (await k.gql(a.admin, 'mutation { setReferenceData(key: "Quiet_Hours", value: "21:17-07:17") { key } }')).errors,
    ).toBeUndefined();
    expect(
      (await k.gql(b.admin, 'mutation { setReferenceData(key: "Quiet_Hours", value: "22:18-06:18") { key } }')).errors,
    ).toBeUndefined();
    expect(codeOf(await k.gql(a.staff, AUDIT, {}))).toBe('FORBIDDEN');
    expect(codeOf(await k.gql(a.service, AUDIT, {}))).toBe('FORBIDDEN');
    const asB = await k.gql(b.support, AUDIT, { first: 100 });
    // Exactly b's two entries (its creation and its change), so the `every` below has something to check.
    expect(asB.data.auditLog.edges).toHaveLength(2);
    expect(asB.data.auditLog.edges.map((e: any) => [e.node.action, e.node.tenantId])).toEqual([
      ['config.reference_data.set', b.id],
      ['tenant.create', b.id],
    ]);
    expect(asB.data.auditLog.edges.every((e: any) => e.node.tenantId === b.id)).toBe(true);
    expect(JSON.stringify(asB.data)).toContain('22:18-06:18');
    expect(JSON.stringify(asB.data)).not.toContain('21:17-07:17');
    expect(codeOf(await k.gql(b.admin, AUDIT, { tenantId: a.id }))).toBe('FORBIDDEN');
    const platform = await platformToken();
    const onlyA = await k.gql(platform, AUDIT, { first: 100, tenantId: a.id });
    expect(onlyA.data.auditLog.edges).toHaveLength(2);
    expect(onlyA.data.auditLog.edges.map((e: any) => [e.node.action, e.node.tenantId])).toEqual([
      ['config.reference_data.set', a.id],
      ['tenant.create', a.id],
    ]);
    expect(onlyA.data.auditLog.edges.map((e: any) => e.node.details.to)).toContain('21:17-07:17');
    expect(onlyA.data.auditLog.edges.every((e: any) => e.node.tenantId === a.id)).toBe(true);
    const everything = await k.gql(platform, AUDIT, { first: 100, filter: { action: 'config.reference_data.set' } });
    const values = everything.data.auditLog.edges.map((e: any) => e.node.details.to);
    expect(values).toEqual(expect.arrayContaining(['21:17-07:17', '22:18-06:18']));
  });
});
