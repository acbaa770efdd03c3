import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startKabar, type GqlResponse, type TestKabar } from '../helpers/app.js';

const FIELDS = 'id eventPattern from to undeliveredAfterSeconds active';
const UPSERT = `mutation($input: ChannelFallbackInput!) { upsertChannelFallback(input: $input) { ${FIELDS} } }`;
const DELETE = 'mutation($id: ID!) { deleteChannelFallback(id: $id) }';
const LIST = `query { channelFallbacks { ${FIELDS} } }`;
const AUDIT =
  'query { auditLog(filter: { entityType: "channel_fallback" }, first: 100) { edges { node { action entityId details } } } }';

const ok = (res: GqlResponse<any>) => {
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data;
};
const badInput = (res: GqlResponse<any>, field: string) => {
  expect(res.errors?.[0]?.extensions, JSON.stringify(res.errors)).toMatchObject({ code: 'BAD_USER_INPUT', field });
  expect(res.data).toBeNull();
};

describe('channel fallback rules', () => {
  let k: TestKabar;
  beforeAll(async () => {
    k = await startKabar();
  });
  afterAll(async () => k?.stop());

  it('creates, lists, updates and deletes a rule, each change audited', async () => {
    const t = await k.newTenant();
    const created = ok(
      await k.gql(t.admin, UPSERT, {
        input: { eventPattern: '*', from: 'WHATSAPP', to: 'SMS', undeliveredAfterSeconds: 900 },
      }),
    ).upsertChannelFallback;
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      eventPattern: '*',
      from: 'WHATSAPP',
      to: 'SMS',
      undeliveredAfterSeconds: 900,
      active: true,
    });
    const second = ok(
      await k.gql(t.admin, UPSERT, {
        input: { eventPattern: ' appointment.* ', from: 'EMAIL', to: 'WHATSAPP', active: false },
      }),
    ).upsertChannelFallback;
    expect(second).toMatchObject({ eventPattern: 'appointment.*', undeliveredAfterSeconds: null, active: false });
    // Every role of the tenant reads the configuration, in creation order.
    for (const token of [t.admin, t.support, t.staff, t.service])
      expect(ok(await k.gql(token, LIST)).channelFallbacks).toEqual([created, second]);

    const updated = ok(
      await k.gql(t.admin, UPSERT, {
        input: {
          id: created.id,
          eventPattern: 'report.ready',
          from: 'WHATSAPP',
          to: 'EMAIL',
          undeliveredAfterSeconds: null,
          active: false,
        },
      }),
    ).upsertChannelFallback;
    expect(updated).toEqual({
      id: created.id,
      eventPattern: 'report.ready',
      from: 'WHATSAPP',
      to: 'EMAIL',
      undeliveredAfterSeconds: null,
      active: false,
    });
    expect(ok(await k.gql(t.admin, LIST)).channelFallbacks).toEqual([updated, second]);

    expect(ok(await k.gql(t.admin, DELETE, { id: created.id }))).toEqual({ deleteChannelFallback: true });
    expect(ok(await k.gql(t.admin, LIST)).channelFallbacks).toEqual([second]);
    expect(codeOf(await k.gql(t.admin, DELETE, { id: created.id }))).toBe('NOT_FOUND');

    const audit = ok(await k.gql(t.support, AUDIT)).auditLog.edges.map((e: any) => e.node);
    // Newest first: create, create, update, delete.
    expect(audit.map((n: any) => [n.action, n.entityId])).toEqual([
      ['config.channel_fallback.delete', created.id],
      ['config.channel_fallback.upsert', created.id],
      ['config.channel_fallback.upsert', second.id],
      ['config.channel_fallback.upsert', created.id],
    ]);
    expect(audit[1].details).toEqual({
      eventPattern: 'report.ready',
      fromChannel: 'WHATSAPP',
      toChannel: 'EMAIL',
      undeliveredAfterSeconds: null,
      active: false,
      created: false,
    });
    expect(audit[0].details).toEqual({ eventPattern: 'report.ready', fromChannel: 'WHATSAPP', toChannel: 'EMAIL' });
  });

  it('rejects invalid input naming the field, and stores nothing', async () => {
    const t = await k.newTenant();
    const base = { eventPattern: 'appointment.*', from: 'WHATSAPP', to: 'SMS' };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ eventPattern: 'appointment' }, 'input.eventPattern', /known event type/],
      [{ eventPattern: 'nothing.*' }, 'input.eventPattern', /known event type/],
      [{ eventPattern: 'lab.*' }, 'input.eventPattern', /patients/],
      [{ eventPattern: 'billing.refund_processed' }, 'input.eventPattern', /patients/],
      [{ eventPattern: 'walkin.queue_updated' }, 'input.eventPattern', /patients/],
      [{ to: 'WHATSAPP' }, 'input.to', /differ/],
      [{ undeliveredAfterSeconds: 59 }, 'input.undeliveredAfterSeconds', /receipt needs time/],
      [{ undeliveredAfterSeconds: 0 }, 'input.undeliveredAfterSeconds', /receipt needs time/],
      [{ undeliveredAfterSeconds: -60 }, 'input.undeliveredAfterSeconds', /receipt needs time/],
      [{ undeliveredAfterSeconds: 604_801 }, 'input.undeliveredAfterSeconds', /receipt needs time/],
      [
        { from: 'PUSH', undeliveredAfterSeconds: 600 },
        'input.undeliveredAfterSeconds',
        /push has no delivery receipts/,
      ],
    ];
    for (const [patch, field, message] of cases) {
      const res = await k.gql(t.admin, UPSERT, { input: { ...base, ...patch } });
      badInput(res, field);
      expect(res.errors![0]!.message, JSON.stringify(patch)).toMatch(message);
    }
    // The bounds themselves are accepted, and PUSH without a timer is fine.
    for (const [pattern, from, seconds] of [
      ['report.ready', 'WHATSAPP', 60],
      ['prescription.ready', 'WHATSAPP', 604_800],
      ['walkin.*', 'PUSH', null],
    ] as const) {
      ok(
        await k.gql(t.admin, UPSERT, {
          input: { eventPattern: pattern, from, to: 'SMS', undeliveredAfterSeconds: seconds },
        }),
      );
    }
    expect(ok(await k.gql(t.admin, LIST)).channelFallbacks.map((r: any) => r.eventPattern)).toEqual([
      'report.ready',
      'prescription.ready',
      'walkin.*',
    ]);
  });

  it('refuses a second rule for the same pattern and channel with CONFLICT, also on update', async () => {
    const t = await k.newTenant();
    const first = ok(
      await k.gql(t.admin, UPSERT, { input: { eventPattern: 'appointment.*', from: 'WHATSAPP', to: 'SMS' } }),
    ).upsertChannelFallback;
    const dup = await k.gql(t.admin, UPSERT, {
      input: { eventPattern: 'appointment.*', from: 'WHATSAPP', to: 'EMAIL', active: false },
    });
    expect(codeOf(dup)).toBe('CONFLICT');
    expect(dup.data).toBeNull();
    // Same channel, another pattern: a separate rule.
    const other = ok(
      await k.gql(t.admin, UPSERT, { input: { eventPattern: 'appointment.reminder', from: 'WHATSAPP', to: 'EMAIL' } }),
    ).upsertChannelFallback;
    expect(
      codeOf(
        await k.gql(t.admin, UPSERT, {
          input: { id: other.id, eventPattern: 'appointment.*', from: 'WHATSAPP', to: 'EMAIL' },
        }),
      ),
    ).toBe('CONFLICT');
    // Updating a rule onto its own key is no conflict.
    ok(
      await k.gql(t.admin, UPSERT, {
        input: { id: first.id, eventPattern: 'appointment.*', from: 'WHATSAPP', to: 'EMAIL' },
      }),
    );
    // Two concurrent creates: the unique index lets exactly one in.
    const racing = await Promise.all(
      [0, 1, 2].map(() =>
        k.gql(t.admin, UPSERT, { input: { eventPattern: 'report.ready', from: 'SMS', to: 'EMAIL' } }),
      ),
    );
    expect(racing.map((r) => (r.errors ? codeOf(r) : 'OK')).sort()).toEqual(['CONFLICT', 'CONFLICT', 'OK']);
    expect(ok(await k.gql(t.admin, LIST)).channelFallbacks).toHaveLength(3);
  });

  it('refuses a rule that would form a cycle with an active rule of the same pattern', async () => {
    const t = await k.newTenant();
    const waToSms = ok(
      await k.gql(t.admin, UPSERT, { input: { eventPattern: '*', from: 'WHATSAPP', to: 'SMS' } }),
    ).upsertChannelFallback;
    const back = await k.gql(t.admin, UPSERT, { input: { eventPattern: '*', from: 'SMS', to: 'WHATSAPP' } });
    badInput(back, 'input.to');
    expect(back.errors![0]!.message).toMatch(/cycle \(SMS → WHATSAPP → SMS\)/);
    // A longer loop is a cycle too.
    ok(await k.gql(t.admin, UPSERT, { input: { eventPattern: '*', from: 'SMS', to: 'EMAIL' } }));
    badInput(await k.gql(t.admin, UPSERT, { input: { eventPattern: '*', from: 'EMAIL', to: 'WHATSAPP' } }), 'input.to');
    // Another pattern, or an inactive rule, forms no cycle.
    ok(await k.gql(t.admin, UPSERT, { input: { eventPattern: 'report.ready', from: 'SMS', to: 'WHATSAPP' } }));
    const inactive = ok(
      await k.gql(t.admin, UPSERT, { input: { eventPattern: '*', from: 'EMAIL', to: 'WHATSAPP', active: false } }),
    ).upsertChannelFallback;
    // …until it is switched on.
    badInput(
      await k.gql(t.admin, UPSERT, {
        input: { id: inactive.id, eventPattern: '*', from: 'EMAIL', to: 'WHATSAPP', active: true },
      }),
      'input.to',
    );
    // Switching the first rule off makes room for the reverse one.
    ok(
      await k.gql(t.admin, UPSERT, {
        input: { id: waToSms.id, eventPattern: '*', from: 'WHATSAPP', to: 'SMS', active: false },
      }),
    );
    ok(
      await k.gql(t.admin, UPSERT, {
        input: { id: inactive.id, eventPattern: '*', from: 'EMAIL', to: 'WHATSAPP', active: true },
      }),
    );
    const rules = ok(await k.gql(t.admin, LIST)).channelFallbacks.map(
      (r: any) => `${r.eventPattern}:${r.from}>${r.to}:${r.active}`,
    );
    expect(rules).toEqual([
      '*:WHATSAPP>SMS:false',
      '*:SMS>EMAIL:true',
      'report.ready:SMS>WHATSAPP:true',
      '*:EMAIL>WHATSAPP:true',
    ]);
  });

  it('only a tenant administrator changes rules', async () => {
    const t = await k.newTenant();
    const id = ok(await k.gql(t.admin, UPSERT, { input: { eventPattern: '*', from: 'WHATSAPP', to: 'SMS' } }))
      .upsertChannelFallback.id;
    for (const token of [t.support, t.staff, t.service]) {
      expect(
        codeOf(await k.gql(token, UPSERT, { input: { eventPattern: 'report.ready', from: 'WHATSAPP', to: 'SMS' } })),
      ).toBe('FORBIDDEN');
      expect(codeOf(await k.gql(token, DELETE, { id }))).toBe('FORBIDDEN');
    }
    expect(ok(await k.gql(t.admin, LIST)).channelFallbacks.map((r: any) => r.id)).toEqual([id]);
  });

  it("another tenant cannot see, update or delete a tenant's rules, and they are unchanged after", async () => {
    const a = await k.newTenant();
    const b = await k.newTenant();
    const theirs = ok(
      await k.gql(b.admin, UPSERT, {
        input: { eventPattern: 'appointment.*', from: 'WHATSAPP', to: 'SMS', undeliveredAfterSeconds: 600 },
      }),
    ).upsertChannelFallback;
    for (const token of [a.admin, a.support, a.staff, a.service])
      expect(ok(await k.gql(token, LIST))).toEqual({ channelFallbacks: [] });
    const hijack = await k.gql(a.admin, UPSERT, {
      input: { id: theirs.id, eventPattern: '*', from: 'WHATSAPP', to: 'EMAIL' },
    });
    expect({ code: codeOf(hijack), data: hijack.data }).toEqual({ code: 'NOT_FOUND', data: null });
    const del = await k.gql(a.admin, DELETE, { id: theirs.id });
    expect({ code: codeOf(del), data: del.data }).toEqual({ code: 'NOT_FOUND', data: null });
    expect(codeOf(await k.gql(a.admin, DELETE, { id: 'not-a-uuid' }))).toBe('NOT_FOUND');
    // A's own rule on B's key is no conflict: each tenant has its own rules.
    ok(await k.gql(a.admin, UPSERT, { input: { eventPattern: 'appointment.*', from: 'WHATSAPP', to: 'EMAIL' } }));
    expect(ok(await k.gql(b.admin, LIST)).channelFallbacks).toEqual([theirs]);
    expect(ok(await k.gql(a.admin, LIST)).channelFallbacks).toHaveLength(1);
    expect(ok(await k.gql(a.support, AUDIT)).auditLog.edges.map((e: any) => e.node.entityId)).not.toContain(theirs.id);
  });
});
