import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { withTenant } from '../../src/db/tenant.js';
import { patients } from '../../src/schema/index.js';
import { eventually, platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

const SENTENCE = 'must be a phone number, e.g. +6281234567890 or 081234567890';
const STAFF = 'mutation($input: StaffMemberInput!) { upsertStaffMember(input: $input) { id phone } }';
const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';
const DELIVERIES =
  'query($e: String) { deliveries(filter: { eventId: $e }) { edges { node { channel status recipient } } } }';

/** A walk-in call: SMS to the patient's phone (and push, which this patient has no token for). */
const called = (phone: string, centrePhone = '+62215550101') => {
  const e = sampleEvent('walkin.token_called', { phone });
  (e.data.centre as { phone: string }).phone = centrePhone;
  return e;
};

describe('national phone numbers, read in the tenant country', () => {
  let k: TestKabar;
  let p: Providers;
  let id: TestTenant;
  let fr: TestTenant;
  beforeAll(async () => {
    p = await startProviders();
    k = await startKabar({ channels: p.channels, env: p.env });
    id = await k.newTenant({ country: 'ID' });
    fr = await k.newTenant({ country: 'FR', currency: 'EUR', defaultLanguage: 'FR', timezone: 'Europe/Paris' });
  });
  afterAll(async () => {
    await k.stop();
    await p.close();
  });
  beforeEach(() => p.reset());

  const smsOf = (t: TestTenant, eventId: string) =>
    eventually(async () => {
      const rows = (await k.gql(t.admin, DELIVERIES, { e: eventId })).data.deliveries.edges.map((e: any) => e.node);
      const sms = rows.filter((r: any) => r.channel === 'SMS');
      expect(sms).toHaveLength(1);
      expect(sms[0].status).toBe('SENT');
      return sms[0];
    });
  const storedPatient = (t: TestTenant, patientId: string) =>
    withTenant({ db: k.app.db, actor: 'test', tenantId: t.id }, (s) =>
      s.tx.select({ phone: patients.phone }).from(patients).where(eq(patients.id, patientId)),
    );

  it("a staff member's national number is stored as E.164 in the tenant's country; a bad one is refused with a sentence", async () => {
    const ok = await k.gql(id.admin, STAFF, {
      input: { name: 'Rina', departments: ['billing'], phone: '0812-3456-7890' },
    });
    expect(ok.status).toBe(200);
    expect(ok.data.upsertStaffMember.phone).toBe('+6281234567890');
    const mine = await k.gql(fr.admin, STAFF, {
      input: { name: 'Claire', departments: ['billing'], phone: '06 12 34 56 78' },
    });
    expect(mine.data.upsertStaffMember.phone).toBe('+33612345678');
    const listed = await k.gql(id.admin, '{ staffMembers { phone } }');
    expect(listed.data.staffMembers).toEqual([{ phone: '+6281234567890' }]);

    const bad = await k.gql(id.admin, STAFF, { input: { name: 'Budi', departments: ['billing'], phone: '0812' } });
    expect(bad.status).toBe(200);
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors![0]!.message).toBe(`input.phone ${SENTENCE}`);
    expect(bad.errors![0]!.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.phone',
      fields: [{ path: 'input.phone', message: `input.phone ${SENTENCE}` }],
    });
    const frBad = await k.gql(fr.admin, STAFF, { input: { name: 'Luc', departments: ['billing'], phone: '061' } });
    expect(frBad.errors![0]!.message).toBe('input.phone must be a phone number, e.g. +33612345678 or 0612345678');
    expect((await k.gql(id.admin, '{ staffMembers { name } }')).data.staffMembers).toEqual([{ name: 'Rina' }]);
  });

  it('a WhatsApp sender number may be national too', async () => {
    const t = await k.newTenant();
    const res = await k.gql(
      t.admin,
      'mutation { upsertWhatsAppConfig(input: { senderNumber: "0811-0000-0000", country: "ID", currency: "IDR", isActive: false }) { senderNumber } }',
    );
    expect(res.data.upsertWhatsAppConfig.senderNumber).toBe('+6281100000000');
  });

  it('lists every invalid field of an input at once, with an exact count', async () => {
    const t = await k.newTenant();
    const res = await k.gql(t.admin, STAFF, {
      input: { name: '  ', email: 'not-an-email', phone: 'call me', departments: ['billing', ' '] },
    });
    expect(res.status).toBe(200);
    expect(res.errors).toHaveLength(1);
    const fields = res.errors![0]!.extensions.fields as { path: string; message: string }[];
    expect(fields.map((f) => f.path)).toEqual(['input.name', 'input.email', 'input.phone', 'input.departments']);
    expect(fields[2]).toEqual({ path: 'input.phone', message: `input.phone ${SENTENCE}` });
    expect(res.errors![0]!.message).toBe(`4 invalid fields: ${fields.map((f) => f.message).join('; ')}`);
    expect((await k.gql(t.admin, '{ staffMembers { id } }')).data.staffMembers).toEqual([]);

    const platform = await platformToken();
    const price = await k.gql(
      platform,
      'mutation($input: WhatsAppPriceInput!) { setWhatsAppPrice(input: $input) { id } }',
      {
        input: {
          country: 'XX',
          currency: 'ABC',
          category: 'UTILITY',
          pricePerMessage: '-1',
          effectiveFrom: '2026-01-01T00:00:00Z',
        },
      },
    );
    expect(price.status).toBe(200);
    expect((price.errors![0]!.extensions.fields as { path: string }[]).map((f) => f.path)).toEqual([
      'input.currency',
      'input.country',
      'input.pricePerMessage',
    ]);
  });

  it('negative, zero and non-numeric money are GraphQL errors with HTTP 200 and say what is wrong', async () => {
    const request = (a: unknown) =>
      k.gql(id.admin, 'mutation($a: Decimal!) { requestCreditPurchase(amount: $a) { id } }', { a });
    const cases: [unknown, string][] = [
      ['-5', 'amount must not be negative (it is -5)'],
      ['0', 'amount must be greater than zero'],
      [
        'abc',
        'amount must be a number written with digits and at most one ".", such as "1250.50" (no sign, exponent or thousands separator)',
      ],
      [
        '250,000',
        'amount must be a number written with digits and at most one ".", such as "1250.50" (no sign, exponent or thousands separator)',
      ],
    ];
    for (const [a, message] of cases) {
      const res = await request(a);
      expect(res.status, String(a)).toBe(200);
      expect(res.errors, String(a)).toEqual([
        expect.objectContaining({
          message,
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'amount' }),
        }),
      ]);
    }
    // A JSON number was a float before it arrived: refused by the scalar, still HTTP 200.
    const float = await request(12.5);
    expect(float.status).toBe(200);
    expect(float.errors).toHaveLength(1);
    expect(float.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(float.errors![0]!.message).toContain('not as a number (a float loses cents)');
    const literal = await k.gql(id.admin, 'mutation { requestCreditPurchase(amount: -5) { id } }');
    expect(literal.status).toBe(200);
    expect(literal.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect((await k.gql(id.admin, '{ creditPurchases { id } }')).data.creditPurchases).toEqual([]);
  });

  it('publishEvent: a national number is stored and sent as E.164', async () => {
    const e = called('0812-3456-7890', '(021) 555-0101');
    expect((await k.gql(id.service, PUBLISH, { input: e })).data.publishEvent.accepted).toBe(true);
    expect((await smsOf(id, e.id)).recipient).toBe('+6281234567890');
    expect(p.sms.received.map((m) => m.to)).toEqual(['+6281234567890']);
    expect(await storedPatient(id, (e.data.patient as { id: string }).id)).toEqual([{ phone: '+6281234567890' }]);
  });

  it('publishEvent: every bad phone is named by its path, and nothing is dispatched', async () => {
    // Too short to be a phone anywhere (the schema): both reported.
    const e = called('0812', '12');
    const res = await k.gql(id.service, PUBLISH, { input: e });
    expect(res.status).toBe(200);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.data.patient.phone' });
    expect(res.errors![0]!.extensions.fields).toEqual([
      { path: 'input.data.patient.phone', message: `input.data.patient.phone: ${SENTENCE}` },
      { path: 'input.data.centre.phone', message: `input.data.centre.phone: ${SENTENCE}` },
    ]);
    expect(res.errors![0]!.message).toBe(
      `2 invalid fields: input.data.patient.phone: ${SENTENCE}; input.data.centre.phone: ${SENTENCE}`,
    );
    // Shaped like phones, but no numbers in Indonesia (the tenant's country): both reported too.
    const national = await k.gql(id.service, PUBLISH, { input: called('08123', '02155') });
    expect(national.errors![0]!.extensions.fields).toEqual([
      { path: 'input.data.patient.phone', message: `input.data.patient.phone: ${SENTENCE}` },
      { path: 'input.data.centre.phone', message: `input.data.centre.phone: ${SENTENCE}` },
    ]);
    expect(national.errors![0]!.message).not.toMatch(/pattern|\^|\$/);
    await new Promise((r) => setTimeout(r, 300));
    expect((await k.gql(id.admin, DELIVERIES, { e: e.id })).data.deliveries.edges).toEqual([]);
    expect(p.sms.received).toEqual([]);
  });

  it('POST /events: a national number is sent as E.164; a bad one is BAD_USER_INPUT with the sentence', async () => {
    const post = async (token: string, body: unknown) => {
      const res = await fetch(k.url.replace(/\/graphql$/, '/events'), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const e = called('081234567890');
    expect(
      (
        await post(fr.service, {
          ...e,
          data: { ...e.data, patient: { ...(e.data.patient as object), phone: '06 12 34 56 78' } },
        })
      ).status,
    ).toBe(202);
    expect((await smsOf(fr, e.id)).recipient).toBe('+33612345678');
    const mine = called('081234567890');
    expect((await post(id.service, mine)).status).toBe(202);
    expect((await smsOf(id, mine.id)).recipient).toBe('+6281234567890');
    expect(p.sms.received.map((m) => m.to).sort()).toEqual(['+33612345678', '+6281234567890']);

    const bad = await post(id.service, called('08123'));
    expect(bad).toEqual({
      status: 400,
      body: { error: { code: 'BAD_USER_INPUT', message: `input.data.patient.phone: ${SENTENCE}` } },
    });
    const shapeless = await post(id.service, called('call me'));
    expect(shapeless).toEqual({
      status: 400,
      body: { error: { code: 'BAD_USER_INPUT', message: `INVALID_DATA: /patient/phone ${SENTENCE}` } },
    });
  });
});

/** Servers mode: the dispatcher reads the tenant's country as it takes the event from Kafka. */
describe('national phone numbers on Kafka', () => {
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    KAFKA_EVENTS_TOPIC: `kabar.events.${suffix}`,
    KAFKA_DLQ_TOPIC: `kabar.events.dlq.${suffix}`,
    KAFKA_STATUS_TOPIC: `kabar.delivery-status.${suffix}`,
    KAFKA_LIVE_TOPIC: `kabar.live.${suffix}`,
    KAFKA_CONSUMER_GROUP: `kabar-dispatcher-${suffix}`,
    KAFKA_PARTITIONS: '1',
  };
  let api: TestKabar;
  let dispatcher: TestKabar;
  let p: Providers;
  let kafka: Kafka;
  let producer: Producer;
  let dlqConsumer: Consumer;
  const dlq: { key: string | null; reason: string }[] = [];
  let t: TestTenant;

  beforeAll(async () => {
    const brokers = inject('kafkaBrokers');
    p = await startProviders();
    const env = { ...p.env, ...topics, KAFKA_BROKERS: brokers };
    dispatcher = await startKabar({ channels: p.channels, env, roles: ['dispatcher'] });
    api = await startKabar({ channels: p.channels, env, roles: ['api'] });
    kafka = new Kafka({ clientId: 'test', brokers: [brokers], logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    dlqConsumer = kafka.consumer({ groupId: `test-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: topics.KAFKA_DLQ_TOPIC, fromBeginning: true });
    await dlqConsumer.run({
      eachMessage: async ({ message }) =>
        void dlq.push({ key: message.key?.toString() ?? null, reason: String(message.headers?.['kabar-dlq-reason']) }),
    });
    t = await api.newTenant({ country: 'ID' });
  }, 90_000);
  afterAll(async () => {
    await dlqConsumer.disconnect();
    await producer.disconnect();
    await api.stop();
    await dispatcher.stop();
    await p.close();
  });

  const produce = (e: ReturnType<typeof called>) =>
    producer.send({
      topic: topics.KAFKA_EVENTS_TOPIC,
      messages: [{ key: t.id, value: JSON.stringify({ ...e, tenantId: t.id }) }],
    });

  it('a national number is stored and sent as E.164; one that is no number in the country is dead-lettered with the sentence', async () => {
    const good = called('0812 3456 7890');
    const bad = called('08123');
    await produce(bad);
    await produce(good);
    const sms = await eventually(async () => {
      const rows = (await api.gql(t.admin, DELIVERIES, { e: good.id })).data.deliveries.edges.map((e: any) => e.node);
      expect(rows.filter((r: any) => r.channel === 'SMS' && r.status === 'SENT')).toHaveLength(1);
      return rows.find((r: any) => r.channel === 'SMS');
    }, 30_000);
    expect(sms.recipient).toBe('+6281234567890');
    expect(p.sms.received.map((m) => m.to)).toEqual(['+6281234567890']);
    const stored = await withTenant({ db: api.app.db, actor: 'test', tenantId: t.id }, (s) =>
      s.tx
        .select({ phone: patients.phone })
        .from(patients)
        .where(eq(patients.id, (good.data.patient as { id: string }).id)),
    );
    expect(stored).toEqual([{ phone: '+6281234567890' }]);
    await eventually(
      () => expect(dlq).toEqual([{ key: t.id, reason: `INVALID_DATA: /patient/phone ${SENTENCE}` }]),
      30_000,
    );
    expect((await api.gql(t.admin, DELIVERIES, { e: bad.id })).data.deliveries.edges).toEqual([]);
  });
});
