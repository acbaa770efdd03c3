import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { codeOf, eventually, startKabar, type TestKabar } from '../helpers/app.js';

const UPSERT_WA =
  'mutation($input: WhatsAppConfigInput!) { upsertWhatsAppConfig(input: $input) { tenantName senderNumber country currency isActive tokenSet updatedAt } }';

describe('configuration API', () => {
  let k: TestKabar;
  let sql: postgres.Sql;
  beforeAll(async () => {
    k = await startKabar();
    sql = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql.end();
    await k.stop();
  });

  describe('WhatsApp configuration', () => {
    const token = 'd360-secret-token-0123456789abcdef';

    it('stores the token encrypted, never returns it, and audits without it', async () => {
      const t = await k.newTenant({ name: 'RS Harapan' });
      const res = await k.gql(t.admin, UPSERT_WA, {
        input: { senderNumber: '+6281234567890', token, country: 'ID', currency: 'IDR', isActive: true },
      });
      expect(res.errors).toBeUndefined();
      expect(res.data.upsertWhatsAppConfig).toMatchObject({
        tenantName: 'RS Harapan',
        senderNumber: '+6281234567890',
        isActive: true,
        tokenSet: true,
      });
      expect(JSON.stringify(res)).not.toContain(token);

      // Read what is stored, in the tenant's context as the application does.
      const [enc] = await sql.begin(async (tx) => {
        await tx`select set_config('role', 'kabar_app', true), set_config('app.tenant_id', ${t.id}, true)`;
        return tx`select token_enc from whatsapp_configs`;
      });
      expect(enc!.token_enc).toMatch(/^v1\./);
      expect(enc!.token_enc).not.toContain(token);

      const audit = await k.gql(
        t.admin,
        'query { auditLog(filter: { entityType: "whatsapp_config" }) { edges { node { action details } } } }',
      );
      expect(audit.data.auditLog.edges[0].node).toMatchObject({
        action: 'config.whatsapp.create',
        details: { tokenChanged: true },
      });
      expect(JSON.stringify(audit)).not.toContain(token);
    });

    it('keeps the stored token when the token is omitted, and requires one to activate', async () => {
      const t = await k.newTenant();
      const noToken = await k.gql(t.admin, UPSERT_WA, {
        input: { senderNumber: '+6281234567890', country: 'ID', currency: 'IDR', isActive: true },
      });
      expect(codeOf(noToken)).toBe('BAD_USER_INPUT');
      expect(noToken.errors![0]!.extensions.field).toBe('input.token');
      await k.gql(t.admin, UPSERT_WA, {
        input: { senderNumber: '+6281234567890', token, country: 'ID', currency: 'IDR', isActive: false },
      });
      const kept = await k.gql(t.admin, UPSERT_WA, {
        input: { senderNumber: '+6281298765432', country: 'ID', currency: 'IDR', isActive: true },
      });
      expect(kept.data.upsertWhatsAppConfig).toMatchObject({
        senderNumber: '+6281298765432',
        tokenSet: true,
        isActive: true,
      });
      const read = await k.gql(t.staff, 'query { whatsAppConfig { senderNumber tokenSet } }');
      expect(read.data.whatsAppConfig).toEqual({ senderNumber: '+6281298765432', tokenSet: true });
    });

    it('validates the sender number, country and currency', async () => {
      const t = await k.newTenant();
      const base = { senderNumber: '+6281234567890', token, country: 'ID', currency: 'IDR', isActive: true };
      for (const [patch, field] of [
        // A national number is read in the tenant's country (test/integration/phones.test.ts); too short is not.
        [{ senderNumber: '0812' }, 'input.senderNumber'],
        [{ senderNumber: '+62' }, 'input.senderNumber'],
        [{ country: 'ZZ' }, 'input.country'],
        [{ currency: 'USD' }, 'input.currency'],
        [{ token: 'short' }, 'input.token'],
      ] as const) {
        const res = await k.gql(t.admin, UPSERT_WA, { input: { ...base, ...patch } });
        expect(res.errors?.[0]?.extensions, JSON.stringify(patch)).toMatchObject({ code: 'BAD_USER_INPUT', field });
      }
    });
  });

  describe('reference data', () => {
    it('sets WhatsApp_Notification to 0 or 1 only, audited', async () => {
      const t = await k.newTenant();
      expect(
        (await k.gql(t.staff, 'query { referenceData(key: "WhatsApp_Notification") { value } }')).data.referenceData,
      ).toBeNull();
      const bad = await k.gql(
        t.admin,
        'mutation { setReferenceData(key: "WhatsApp_Notification", value: "yes") { value } }',
      );
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'value' });
      const ok = await k.gql(
        t.admin,
        'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { key value } }',
      );
      expect(ok.data.setReferenceData).toEqual({ key: 'WhatsApp_Notification', value: '1' });
      const other = await k.gql(
        t.admin,
        'mutation { setReferenceData(key: "Quiet_Hours", value: "21:00-07:00") { value } }',
      );
      expect(other.data.setReferenceData.value).toBe('21:00-07:00');
      const audit = await k.gql(
        t.support,
        'query { auditLog(filter: { action: "config.reference_data.set" }) { edges { node { entityId details } } } }',
      );
      expect(audit.data.auditLog.edges.map((e: any) => e.node.entityId).sort()).toEqual([
        'Quiet_Hours',
        'WhatsApp_Notification',
      ]);
    });

    it('rejects an unknown key (field "key") and an invalid value (field "value"), writing nothing', async () => {
      const t = await k.newTenant();
      const SET = 'mutation($k: String!, $v: String!) { setReferenceData(key: $k, value: $v) { key value } }';
      const typo = await k.gql(t.admin, SET, { k: 'Whatsapp_Notification', v: '1' });
      expect(typo.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'key' });
      expect(typo.errors?.[0]?.message).toContain('WhatsApp_Notification');
      for (const v of ['25:00-07:00', '21:00-21:00', '9:00-07:00', '21:00']) {
        const bad = await k.gql(t.admin, SET, { k: 'Quiet_Hours', v });
        expect(bad.errors?.[0]?.extensions, v).toMatchObject({ code: 'BAD_USER_INPUT', field: 'value' });
      }
      expect(
        (await k.gql(t.admin, SET, { k: 'Reminder_Offsets_Minutes', v: '1440,0' })).errors?.[0]?.extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'value' });
      const keys = await k.gql(t.admin, 'query { referenceDataKeys { key value } }');
      expect(keys.data.referenceDataKeys.filter((x: any) => x.value !== null)).toEqual([]);
      const audit = await k.gql(
        t.admin,
        'query { auditLog(filter: { action: "config.reference_data.set" }) { edges { cursor } } }',
      );
      expect(audit.data.auditLog.edges).toEqual([]);
      // Empty Quiet_Hours means none: accepted.
      expect((await k.gql(t.admin, SET, { k: 'Quiet_Hours', v: '' })).data.setReferenceData).toEqual({
        key: 'Quiet_Hours',
        value: '',
      });
    });

    it("referenceDataKeys lists every key Kabar reads, with its default and the tenant's value", async () => {
      const t = await k.newTenant();
      expect(
        (await k.gql(t.admin, 'mutation { setReferenceData(key: "Quiet_Hours", value: "21:00-07:00") { key } }'))
          .errors,
      ).toBeUndefined();
      expect(
        (await k.gql(t.admin, 'mutation { setReferenceData(key: "WhatsApp_Require_OptIn", value: "1") { key } }'))
          .errors,
      ).toBeUndefined();
      const res = await k.gql(t.support, 'query { referenceDataKeys { key description defaultValue value } }');
      expect(res.errors).toBeUndefined();
      const rows = res.data.referenceDataKeys as {
        key: string;
        description: string;
        defaultValue: string | null;
        value: string | null;
      }[];
      expect(rows.map(({ key, defaultValue, value }) => ({ key, defaultValue, value }))).toEqual([
        { key: 'WhatsApp_Notification', defaultValue: '0', value: null },
        { key: 'WhatsApp_Require_OptIn', defaultValue: '0', value: '1' },
        { key: 'Quiet_Hours', defaultValue: '', value: '21:00-07:00' },
        { key: 'Private_Previews', defaultValue: '0', value: null },
        { key: 'Reminder_Offsets_Minutes', defaultValue: '1440,120,30', value: null },
        { key: 'Walkin_Approaching_Threshold', defaultValue: '3', value: null },
      ]);
      for (const r of rows) expect(r.description.length, r.key).toBeGreaterThan(20);
      // Another tenant sees the defaults only.
      const other = await k.newTenant();
      const theirs = await k.gql(other.admin, 'query { referenceDataKeys { key value } }');
      expect(theirs.data.referenceDataKeys.every((x: any) => x.value === null)).toBe(true);
    });
  });

  describe('staff and routing rules', () => {
    it('creates and updates staff, validating contacts', async () => {
      const t = await k.newTenant();
      const UPSERT =
        'mutation($input: StaffMemberInput!) { upsertStaffMember(input: $input) { id name email phone departments centreIds pushTokens language active } }';
      const created = await k.gql(t.admin, UPSERT, {
        input: {
          name: 'Dewi Lestari',
          email: 'dewi@rs.example',
          phone: '+6281311112222',
          departments: ['Billing', 'finance'],
          language: 'ID',
        },
      });
      expect(created.data.upsertStaffMember).toMatchObject({
        name: 'Dewi Lestari',
        departments: ['billing', 'finance'],
        centreIds: [],
        pushTokens: [],
        active: true,
      });
      const id = created.data.upsertStaffMember.id;
      const updated = await k.gql(t.admin, UPSERT, {
        input: { id, name: 'Dewi L.', departments: ['billing'], active: false },
      });
      expect(updated.data.upsertStaffMember).toMatchObject({ id, name: 'Dewi L.', active: false, email: null });
      expect(codeOf(await k.gql(t.admin, UPSERT, { input: { name: 'X', phone: '12345', departments: [] } }))).toBe(
        'BAD_USER_INPUT',
      );
      expect(
        codeOf(await k.gql(t.admin, UPSERT, { input: { name: 'X', email: 'not-an-email', departments: [] } })),
      ).toBe('BAD_USER_INPUT');
      expect(
        codeOf(
          await k.gql(t.admin, UPSERT, {
            input: { id: '00000000-0000-4000-8000-000000000000', name: 'X', departments: [] },
          }),
        ),
      ).toBe('NOT_FOUND');
      expect((await k.gql(t.staff, 'query { staffMembers { name } }')).data.staffMembers).toEqual([
        { name: 'Dewi L.' },
      ]);
    });

    it('stores routing rules with patterns and filters them by event type, highest priority first', async () => {
      const t = await k.newTenant();
      const staff = await k.gql(
        t.admin,
        'mutation { upsertStaffMember(input: { name: "Budi", departments: ["finance"] }) { id } }',
      );
      const staffId = staff.data.upsertStaffMember.id;
      const UPSERT =
        'mutation($input: RoutingRuleInput!) { upsertRoutingRule(input: $input) { id name eventPattern departments staffIds channels priority active centreId } }';
      const billing = await k.gql(t.admin, UPSERT, {
        input: {
          name: 'Billing',
          eventPattern: 'billing.*',
          departments: ['billing'],
          channels: ['EMAIL'],
          priority: 1,
        },
      });
      expect(billing.errors).toBeUndefined();
      const refund = await k.gql(t.admin, UPSERT, {
        input: {
          name: 'Refunds',
          eventPattern: 'billing.refund_processed',
          staffIds: [staffId],
          channels: ['EMAIL', 'SMS'],
          priority: 5,
          centreId: 'c-1',
        },
      });
      expect(refund.data.upsertRoutingRule).toMatchObject({ staffIds: [staffId], centreId: 'c-1', active: true });
      await k.gql(t.admin, UPSERT, {
        input: { name: 'Lab', eventPattern: 'lab.test_requested', departments: ['lab'], channels: ['PUSH'] },
      });

      const forRefund = await k.gql(t.staff, 'query { routingRules(eventType: "billing.refund_processed") { name } }');
      expect(forRefund.data.routingRules.map((r: any) => r.name)).toEqual(['Refunds', 'Billing']);
      expect((await k.gql(t.staff, 'query { routingRules { name } }')).data.routingRules).toHaveLength(3);

      for (const [input, field] of [
        [{ name: 'Bad', eventPattern: 'billing', departments: ['x'], channels: ['EMAIL'] }, 'input.eventPattern'],
        [{ name: 'Bad', eventPattern: 'nothing.*', departments: ['x'], channels: ['EMAIL'] }, 'input.eventPattern'],
        [{ name: 'Bad', eventPattern: 'billing.*', departments: ['x'], channels: [] }, 'input.channels'],
        [
          {
            name: 'Bad',
            eventPattern: 'billing.*',
            staffIds: ['00000000-0000-4000-8000-000000000000'],
            channels: ['EMAIL'],
          },
          'input.staffIds',
        ],
      ] as const) {
        expect((await k.gql(t.admin, UPSERT, { input })).errors?.[0]?.extensions, input.eventPattern).toMatchObject({
          code: 'BAD_USER_INPUT',
          field,
        });
      }

      const del = await k.gql(t.admin, 'mutation($id: ID!) { deleteRoutingRule(id: $id) }', {
        id: billing.data.upsertRoutingRule.id,
      });
      expect(del.data.deleteRoutingRule).toBe(true);
      expect(
        codeOf(
          await k.gql(t.admin, 'mutation($id: ID!) { deleteRoutingRule(id: $id) }', {
            id: billing.data.upsertRoutingRule.id,
          }),
        ),
      ).toBe('NOT_FOUND');
    });

    it("a rule cannot name another tenant's staff", async () => {
      const a = await k.newTenant();
      const b = await k.newTenant();
      const staffB = (
        await k.gql(b.admin, 'mutation { upsertStaffMember(input: { name: "B", departments: ["lab"] }) { id } }')
      ).data.upsertStaffMember.id;
      const res = await k.gql(
        a.admin,
        'mutation($s: [ID!]) { upsertRoutingRule(input: { name: "steal", eventPattern: "lab.*", staffIds: $s, channels: [EMAIL] }) { id } }',
        { s: [staffB] },
      );
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.staffIds' });
    });
  });

  describe('event channels', () => {
    it("lists the mission's defaults and the tenant's overrides", async () => {
      const t = await k.newTenant();
      const list = await k.gql(t.staff, 'query { eventChannels { eventType channels enabled } }');
      const byType = Object.fromEntries(list.data.eventChannels.map((e: any) => [e.eventType, e]));
      expect(byType['appointment.confirmed']).toEqual({
        eventType: 'appointment.confirmed',
        channels: ['WHATSAPP', 'EMAIL'],
        enabled: true,
      });
      expect(byType['appointment.completed'].channels).toEqual(['EMAIL']);
      expect(byType['appointment.no_show'].channels).toEqual(['WHATSAPP']);
      expect(byType['walkin.token_called'].channels).toEqual(['SMS', 'PUSH']);
      expect(byType['walkin.queue_updated']).toBeUndefined();

      const set = await k.gql(
        t.admin,
        'mutation { setEventChannels(eventType: "appointment.completed", channels: [EMAIL, SMS], enabled: false) { eventType channels enabled } }',
      );
      expect(set.data.setEventChannels).toEqual({
        eventType: 'appointment.completed',
        channels: ['EMAIL', 'SMS'],
        enabled: false,
      });
      const after = await k.gql(t.staff, 'query { eventChannels { eventType channels enabled } }');
      expect(after.data.eventChannels.find((e: any) => e.eventType === 'appointment.completed')).toEqual({
        eventType: 'appointment.completed',
        channels: ['EMAIL', 'SMS'],
        enabled: false,
      });
      const other = await k.newTenant();
      const untouched = await k.gql(other.staff, 'query { eventChannels { eventType channels enabled } }');
      expect(untouched.data.eventChannels.find((e: any) => e.eventType === 'appointment.completed').channels).toEqual([
        'EMAIL',
      ]);
      const unknown = await k.gql(
        t.admin,
        'mutation { setEventChannels(eventType: "appointment.exploded", channels: [EMAIL]) { eventType } }',
      );
      expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'eventType' });
    });
  });
  describe('configuration changes reach every process', () => {
    it("announces a tenant's change as it commits (and a rejected change not at all), so other processes drop their cached copy", async () => {
      const heard: string[] = [];
      const { unlisten } = await sql.listen('kabar_config', (tenant) => void heard.push(tenant));
      try {
        const [a, b] = [await k.newTenant(), await k.newTenant()];
        heard.length = 0;
        expect(
          codeOf(
            await k.gql(a.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "yes") { value } }'),
          ),
        ).toBe('BAD_USER_INPUT');
        expect(
          (await k.gql(a.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { value } }'))
            .errors,
        ).toBeUndefined();
        await eventually(() => expect(heard).toEqual([a.id]));
        expect(
          (
            await k.gql(
              b.admin,
              'mutation { setEventChannels(eventType: "appointment.completed", channels: [SMS]) { eventType } }',
            )
          ).errors,
        ).toBeUndefined();
        await eventually(() => expect(heard).toEqual([a.id, b.id]));
      } finally {
        await unlisten();
      }
    });
  });
});
