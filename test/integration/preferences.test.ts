import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { eventually, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { patientOf, sampleData } from '../helpers/events.js';

// Patients' choices through the public API on real PostgreSQL: recorded append-only, each
// audited, from the API (source "api") and from partner events (source "event").

const PREFS =
  'patientId current { channel category status source evidence actor } history { channel category status source evidence actor at }';
const GET = `query($p: String!) { patientPreferences(patientId: $p) { ${PREFS} } }`;
const SET = `mutation($input: PatientPreferenceInput!) { setPatientPreference(input: $input) { ${PREFS} } }`;
const AUDIT =
  'query($p: String) { auditLog(first: 100, filter: { action: "patient.preference.recorded", entityId: $p }) { edges { node { actor entityType entityId details } } } }';
const DELIVERIES =
  'query($f: DeliveryFilter) { deliveries(first: 100, filter: $f) { totalCount edges { node { eventId channel recipient patientId reason attempts fallbackOf deferredUntil } } } }';

const subOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).sub as string;

describe("patients' choices", () => {
  let k: TestKabar;
  let sql: postgres.Sql;
  let t: TestTenant;
  beforeAll(async () => {
    k = await startKabar();
    sql = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
    t = await k.newTenant();
  });
  afterAll(async () => {
    await sql.end();
    await k.stop();
  });

  const post = (token: string, body: unknown) =>
    fetch(k.url.replace(/\/graphql$/, '/events'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const prefsOf = async (patientId: string) => {
    const res = await k.gql(t.admin, GET, { p: patientId });
    expect(res.errors).toBeUndefined();
    return res.data.patientPreferences;
  };

  it('records each choice; current is the latest per (channel, category), history every choice oldest first', async () => {
    const p = `p-${randomUUID()}`;
    const steps = [
      [t.admin, { channel: 'WHATSAPP', status: 'OPTED_OUT', evidence: 'form F-1' }],
      [t.support, { channel: 'SMS', category: 'reminders', status: 'OPTED_OUT' }],
      [t.service, { channel: 'WHATSAPP', category: 'clinical', status: 'OPTED_OUT', evidence: '  ' }],
      [t.admin, { channel: 'WHATSAPP', category: null, status: 'OPTED_IN', evidence: 'call 2026-12-01' }],
    ] as const;
    let last: any;
    for (const [token, input] of steps) {
      const res = await k.gql(token, SET, { input: { patientId: p, ...input } });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      last = res.data.setPatientPreference;
    }
    const choice = (
      token: string,
      channel: string,
      category: string | null,
      status: string,
      evidence: string | null,
    ) => ({ channel, category, status, source: 'api', evidence, actor: subOf(token) });
    const all = [
      choice(t.admin, 'WHATSAPP', null, 'OPTED_OUT', 'form F-1'),
      choice(t.support, 'SMS', 'reminders', 'OPTED_OUT', null),
      choice(t.service, 'WHATSAPP', 'clinical', 'OPTED_OUT', null), // blank evidence is none
      choice(t.admin, 'WHATSAPP', null, 'OPTED_IN', 'call 2026-12-01'),
    ];
    const read = await prefsOf(p);
    expect(read.history.map(({ at: _at, ...rest }: any) => rest)).toEqual(all);
    expect(read.current).toEqual([all[3], all[1], all[2]]);
    expect(read.patientId).toBe(p);
    const at = read.history.map((h: any) => Date.parse(h.at));
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // The mutation answers what the query answers.
    expect(last).toEqual(read);
    // A patient nobody recorded anything for.
    expect(await prefsOf(`p-${randomUUID()}`)).toMatchObject({ current: [], history: [] });
  });

  it('rejects bad input naming the field, and records nothing', async () => {
    const p = `p-${randomUUID()}`;
    for (const [patch, field] of [
      [{ patientId: '' }, 'input.patientId'],
      [{ patientId: '   ' }, 'input.patientId'],
      [{ patientId: 'x'.repeat(201) }, 'input.patientId'],
      [{ category: 'reminder' }, 'input.category'],
      [{ category: '' }, 'input.category'],
      [{ evidence: 'e'.repeat(501) }, 'input.evidence'],
    ] as const) {
      const res = await k.gql(t.admin, SET, {
        input: Object.assign({ patientId: p, channel: 'SMS', status: 'OPTED_OUT' }, patch),
      });
      expect(res.errors?.[0]?.extensions, JSON.stringify(patch)).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(res.data).toBeNull();
    }
    const empty = await k.gql(t.admin, GET, { p: '' });
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'patientId' });
    expect(await prefsOf(p)).toEqual({ patientId: p, current: [], history: [] });
    expect((await k.gql(t.admin, AUDIT, { p })).data.auditLog.edges).toEqual([]);
  });

  it('patient.preferences_updated over POST /events records each choice (source "event", actor the event id) and notifies nobody', async () => {
    const patient = patientOf();
    const e = {
      id: `evt-${randomUUID()}`,
      type: 'patient.preferences_updated',
      tenantId: t.id,
      occurredAt: new Date().toISOString(),
      data: {
        patient,
        preferences: [
          { channel: 'whatsapp', status: 'opted_in', evidence: 'consent form CF-77' },
          { channel: 'email', category: 'clinical', status: 'opted_out' },
          { channel: 'whatsapp', status: 'opted_out' },
        ],
      },
    };
    const res = await post(t.service, e);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ eventId: e.id, accepted: true, duplicate: false });
    const choice = (channel: string, category: string | null, status: string, evidence: string | null) => ({
      channel,
      category,
      status,
      source: 'event',
      evidence,
      actor: e.id,
    });
    const got = await eventually(async () => {
      const prefs = await prefsOf(patient.id);
      expect(prefs.history).toHaveLength(3);
      return prefs;
    });
    expect(got.history.map(({ at: _at, ...rest }: any) => rest)).toEqual([
      choice('WHATSAPP', null, 'OPTED_IN', 'consent form CF-77'),
      choice('EMAIL', 'clinical', 'OPTED_OUT', null),
      choice('WHATSAPP', null, 'OPTED_OUT', null),
    ]);
    // Choices of one event keep their order: the last for WhatsApp is in force.
    expect(got.current).toEqual([
      choice('WHATSAPP', null, 'OPTED_OUT', null),
      choice('EMAIL', 'clinical', 'OPTED_OUT', null),
    ]);
    // Nobody was notified (the choices and the event's deliveries commit together).
    expect((await k.gql(t.admin, DELIVERIES, { f: { eventId: e.id } })).data.deliveries.totalCount).toBe(0);
    // A replay is a duplicate: nothing recorded twice.
    const again = await post(t.service, e);
    expect(await again.json()).toEqual({ eventId: e.id, accepted: true, duplicate: true });
    await new Promise((r) => setTimeout(r, 300));
    expect((await prefsOf(patient.id)).history).toHaveLength(3);
    // Each choice is audited, with what it recorded.
    const audit = (await k.gql(t.admin, AUDIT, { p: patient.id })).data.auditLog.edges.map((x: any) => x.node);
    expect(audit).toHaveLength(3);
    for (const a of audit)
      expect(a).toMatchObject({
        entityType: 'patient',
        entityId: patient.id,
        details: { source: 'event', preferenceId: expect.any(Number) },
      });
    expect(audit.map((a: any) => [a.details.channel, a.details.category, a.details.status]).sort()).toEqual([
      ['EMAIL', 'clinical', 'OPTED_OUT'],
      ['WHATSAPP', null, 'OPTED_IN'],
      ['WHATSAPP', null, 'OPTED_OUT'],
    ]);
  });

  it('an unknown category is rejected by the event schema (400 over HTTP, BAD_USER_INPUT over GraphQL), recording nothing', async () => {
    const patient = patientOf();
    const data = {
      patient,
      preferences: [
        { channel: 'sms', status: 'opted_in' },
        { channel: 'whatsapp', category: 'promotions', status: 'opted_out' },
      ],
    };
    const e = {
      id: `evt-${randomUUID()}`,
      type: 'patient.preferences_updated',
      tenantId: t.id,
      occurredAt: new Date().toISOString(),
      data,
    };
    const res = await post(t.service, e);
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe('BAD_USER_INPUT');
    expect(body.error.message).toMatch(/^INVALID_DATA: \/preferences\/1\/category/);
    const gql = await k.gql(t.service, 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }', {
      input: { id: e.id, type: e.type, occurredAt: e.occurredAt, data },
    });
    expect(gql.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.data.preferences.1.category',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await prefsOf(patient.id)).toEqual({ patientId: patient.id, current: [], history: [] });
  });

  it('the choices are append-only: UPDATE, DELETE and TRUNCATE fail even on a superuser connection', async () => {
    const p = `p-${randomUUID()}`;
    expect(
      (await k.gql(t.admin, SET, { input: { patientId: p, channel: 'SMS', status: 'OPTED_OUT' } })).errors,
    ).toBeUndefined();
    const before = await sql`select id, status, source, actor from patient_preferences where patient_id = ${p}`;
    expect(before).toHaveLength(1);
    for (const [q, op] of [
      [sql`update patient_preferences set status = 'OPTED_IN' where patient_id = ${p}`, 'UPDATE'],
      [sql`delete from patient_preferences where patient_id = ${p}`, 'DELETE'],
      [sql`truncate patient_preferences`, 'TRUNCATE'],
    ] as const) {
      const err = (await q.then(
        () => null,
        (x: unknown) => x,
      )) as { code?: string; message?: string } | null;
      expect(err, op).not.toBeNull();
      expect({ code: err!.code, message: err!.message }).toEqual({
        code: '42501',
        message: `patient_preferences is append-only: ${op} rejected`,
      });
    }
    expect(await sql`select id, status, source, actor from patient_preferences where patient_id = ${p}`).toEqual(
      before,
    );
  });
});

describe('deliveries: filters by reason and patient, and one search box', () => {
  let k: TestKabar;
  beforeAll(async () => {
    k = await startKabar();
  });
  afterAll(async () => k.stop());

  it('search matches a recipient (case-insensitive substring), or exactly an event id, patient id or booking reference', async () => {
    const t = await k.newTenant();
    // WhatsApp is off in a new tenant: each event's WhatsApp message is SKIPPED WHATSAPP_DISABLED, its email goes.
    const confirmed = {
      id: `evt-${randomUUID()}`,
      type: 'appointment.confirmed',
      occurredAt: new Date().toISOString(),
      data: sampleData('appointment.confirmed', { email: 'ani.lestari@example.id', phone: '+6281211110001' }),
    };
    const report = {
      id: `evt-${randomUUID()}`,
      type: 'report.ready',
      occurredAt: new Date().toISOString(),
      data: sampleData('report.ready', { email: 'budi@example.id', phone: '+6281211110002' }),
    };
    for (const e of [confirmed, report])
      expect(
        (
          await k.gql(t.service, 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }', {
            input: e,
          })
        ).errors,
      ).toBeUndefined();
    const find = async (f: Record<string, unknown>) => {
      const res = await k.gql(t.admin, DELIVERIES, { f });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      return res.data.deliveries as { totalCount: number; edges: { node: any }[] };
    };
    await eventually(async () => expect((await find({})).totalCount).toBe(4));
    const booking = (confirmed.data as any).appointment.bookingReference as string;
    const confirmedPatient = (confirmed.data as any).patient.id as string;
    const reportPatient = (report.data as any).patient.id as string;
    const eventsOf = async (f: Record<string, unknown>) =>
      (await find(f)).edges
        .map((e) => `${e.node.eventId === confirmed.id ? 'confirmed' : 'report'}:${e.node.channel}`)
        .sort();

    expect(await eventsOf({ search: booking })).toEqual(['confirmed:EMAIL', 'confirmed:WHATSAPP']);
    expect(await eventsOf({ search: 'ANI.LESTARI@' })).toEqual(['confirmed:EMAIL']);
    expect(await eventsOf({ search: '1110002' })).toEqual(['report:WHATSAPP']);
    expect(await eventsOf({ search: report.id })).toEqual(['report:EMAIL', 'report:WHATSAPP']);
    expect(await eventsOf({ search: `  ${reportPatient} ` })).toEqual(['report:EMAIL', 'report:WHATSAPP']);
    expect(await eventsOf({ patientId: confirmedPatient })).toEqual(['confirmed:EMAIL', 'confirmed:WHATSAPP']);
    expect(await eventsOf({ reason: 'WHATSAPP_DISABLED' })).toEqual(['confirmed:WHATSAPP', 'report:WHATSAPP']);
    expect(await eventsOf({ reason: 'WHATSAPP_DISABLED', search: booking })).toEqual(['confirmed:WHATSAPP']);
    // LIKE's wildcards are matched literally; a booking reference or id matches whole, not in part.
    expect((await find({ search: '%' })).totalCount).toBe(0);
    expect((await find({ search: '_' })).totalCount).toBe(0);
    expect((await find({ search: booking.slice(0, -1) })).totalCount).toBe(0);
    expect((await find({ reason: 'whatsapp_disabled' })).totalCount).toBe(0);
    // The new fields are served.
    const wa = (await find({ search: report.id, channel: 'WHATSAPP' })).edges[0]!.node;
    expect(wa).toMatchObject({
      patientId: reportPatient,
      attempts: 0,
      fallbackOf: null,
      deferredUntil: null,
      reason: 'WHATSAPP_DISABLED',
    });
  });
});
