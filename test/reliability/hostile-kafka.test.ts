import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { CompressionTypes, Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEventsConsumer } from '../../src/consumers/events.consumer.js';
import type { Dispatcher } from '../../src/dispatcher.js';
import { createProducer } from '../../src/kafka/kafka-client.js';
import {
  eventually,
  platformToken,
  setTestPrices,
  startKabar,
  type TestKabar,
  type TestTenant,
} from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// 2,000 hostile messages interleaved with 500 valid events on a real broker, one dispatcher.
// Every bad message must reach the DLQ exactly once with a reason naming the problem, every
// valid event must reach the fake providers exactly once, duplicates must add nothing, the
// partitions must keep flowing and the group's committed offsets must reach the end.

type Provider = 'ses' | 'whatsapp' | 'sms' | 'fcm';
interface Msg {
  tid: string;
  category: string;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, string>;
  /** A DLQ reason pattern, or 'deliver' (valid), or 'ignore' (a duplicate). */
  expect: RegExp | 'deliver' | 'ignore';
  deliveries?: [Provider, string][];
  /** Sent on its own (large), possibly compressed. */
  alone?: boolean;
  gzip?: boolean;
  partition?: number;
  /** A duplicate: must be produced after this message. */
  after?: string;
}

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const WA_EMAIL = new Set(['report.ready', 'prescription.ready', 'patient.registered', 'appointment.confirmed']);
const WA_TOKEN = 'd360-key-hostile-0123456789';

describe('hostile Kafka input', () => {
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    KAFKA_EVENTS_TOPIC: `kabar.events.${suffix}`,
    KAFKA_DLQ_TOPIC: `kabar.events.dlq.${suffix}`,
    KAFKA_STATUS_TOPIC: `kabar.delivery-status.${suffix}`,
    KAFKA_LIVE_TOPIC: `kabar.live.${suffix}`,
    KAFKA_CONSUMER_GROUP: `kabar-dispatcher-${suffix}`,
    KAFKA_PARTITIONS: '3',
  };
  let k: TestKabar;
  let p: Providers;
  let kafka: Kafka;
  let producer: Producer;
  let admin: Admin;
  const consumers: Consumer[] = [];
  let tenants: TestTenant[];
  const labStaff = 'wati-lab@rs.example';

  beforeAll(async () => {
    const brokers = inject('kafkaBrokers');
    p = await startProviders(2_000);
    k = await startKabar({
      channels: p.channels,
      env: { ...p.env, ...topics, KAFKA_BROKERS: brokers },
      roles: ['api', 'dispatcher'],
    });
    kafka = new Kafka({ clientId: 'hostile-test', brokers: [brokers], logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
    const platform = await platformToken();
    await setTestPrices(k, ['UTILITY', 'MARKETING', 'AUTHENTICATION', 'SERVICE']);
    tenants = [];
    for (let i = 0; i < 4; i++) tenants.push(await k.newTenant());
    // Tenant 0: WhatsApp on, configured and paid for. The others: WhatsApp off (skipped, not sent).
    const a = tenants[0]!;
    expect(
      (await k.gql(a.admin, 'mutation { setReferenceData(key: "WhatsApp_Notification", value: "1") { key } }')).errors,
    ).toBeUndefined();
    p.whatsapp.issueKey(WA_TOKEN);
    expect(
      (
        await k.gql(
          a.admin,
          `mutation { upsertWhatsAppConfig(input: { senderNumber: "+6281100000000", token: "${WA_TOKEN}", country: "ID", currency: "IDR", isActive: true }) { tokenSet } }`,
        )
      ).errors,
    ).toBeUndefined();
    const req = await k.gql(a.admin, 'mutation { requestCreditPurchase(amount: "1000000") { id } }');
    expect(
      (
        await k.gql(platform, 'mutation($id: ID!) { confirmCreditPurchase(id: $id) { status } }', {
          id: req.data.requestCreditPurchase.id,
        })
      ).data.confirmCreditPurchase.status,
    ).toBe('PAID');
    // Tenant 1 has a lab, for a staff event.
    expect(
      (
        await k.gql(
          tenants[1]!.admin,
          `mutation { upsertStaffMember(input: { name: "Wati", email: "${labStaff}", departments: ["lab"], language: EN }) { id } }`,
        )
      ).errors,
    ).toBeUndefined();
  }, 90_000);

  afterAll(async () => {
    for (const c of consumers) await c.disconnect();
    await admin?.disconnect();
    await producer?.disconnect();
    await k?.stop();
    await p?.close();
  });

  /** Every message of a topic from the beginning, as they arrive. */
  async function collect(topic: string) {
    const seen: { key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[] = [];
    const c = kafka.consumer({ groupId: `test-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({
      eachMessage: async ({ message }) =>
        void seen.push({
          key: message.key,
          value: message.value,
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([h, v]) => [h, String(v)])),
        }),
    });
    consumers.push(c);
    return seen;
  }

  async function deadLetteredByReason(): Promise<Map<string, number>> {
    const text = await (await fetch(k.url.replace(/\/graphql$/, '/metrics'))).text();
    const out = new Map<string, number>();
    for (const m of text.matchAll(/^kabar_events_dead_lettered_total\{reason="([A-Z_]+)"\} (\d+)$/gm))
      out.set(m[1]!, Number(m[2]));
    return out;
  }

  it('dead-letters every bad message once with its reason, delivers every valid event once, and keeps every partition flowing', async () => {
    const started = Date.now();
    const rand = prng(20260517);
    const msgs: Msg[] = [];
    let seq = 0;
    const tid = () => `m${++seq}`;
    const T = (i: number) => tenants[i % tenants.length]!;

    // ---- valid events ---------------------------------------------------------------------
    let contact = 0;
    const types = [
      'report.ready',
      'appointment.completed',
      'walkin.token_called',
      'prescription.ready',
      'appointment.confirmed',
      'patient.registered',
    ];
    /** A valid event with contacts of its own, and the messages the providers must receive for it. */
    function valid(tenant: number, type: string, tweak?: (e: any) => void) {
      const n = ++contact;
      const phone = `+62812${String(n).padStart(7, '0')}`;
      const email = `v${n}@patients.example`;
      const token = `tok-${n}`;
      const e: any = structuredClone({
        ...sampleEvent(type, { phone, email, pushTokens: [token] }),
        tenantId: T(tenant).id,
      });
      tweak?.(e);
      const deliveries: [Provider, string][] = [];
      if (WA_EMAIL.has(type)) {
        deliveries.push(['ses', email]);
        if (tenant % tenants.length === 0) deliveries.push(['whatsapp', phone.slice(1)]);
      } else if (type === 'appointment.completed') deliveries.push(['ses', email]);
      else if (type === 'walkin.token_called') deliveries.push(['sms', phone], ['fcm', token]);
      else if (type === 'lab.test_requested') deliveries.push(['ses', labStaff]);
      return { e, deliveries, email };
    }
    const push = (m: Omit<Msg, 'tid'>) => {
      const full = { tid: tid(), ...m };
      msgs.push(full);
      return full;
    };
    const pushValid = (category: string, v: ReturnType<typeof valid>, extra: Partial<Msg> = {}) =>
      push({
        category,
        key: v.e.tenantId,
        value: JSON.stringify(v.e),
        expect: 'deliver',
        deliveries: v.deliveries,
        ...extra,
      });

    const originals: { m: Msg; e: any }[] = [];
    for (let i = 0; i < 440; i++) {
      const type = i % 43 === 0 ? 'lab.test_requested' : types[i % types.length]!;
      const tenant = type === 'lab.test_requested' ? 1 : i;
      const v = valid(tenant, type);
      originals.push({ m: pushValid('valid', v), e: v.e });
    }
    // Unicode that must arrive as it was sent.
    const names = [
      'Siti 👩‍⚕️😷 Rahma',
      'Siti \u202Eamhar\u202C Rahma',
      'Si\u200Bti\u200D Ra\uFEFFhma',
      '𠜎𠜱𡿺 𝕊𝕚𝕥𝕚',
      'سيتي رحمة',
      'Sı̇ti Ŕ̷ă̶h̸m̵a̴',
      'שרה כהן',
      'Ｓｉｔｉ　Ｒａｈｍａ',
      '🏳️‍🌈🇮🇩 Siti',
      'Siti\u00A0Rahma\u2028',
    ];
    // What each name must look like in the message, written out by hand (not by the renderer):
    // bidirectional overrides removed, U+2028 a line feed, everything else as sent.
    const shown = names.map(
      (n, i) => (({ 1: 'Siti amhar Rahma', 9: 'Siti\u00A0Rahma\n' }) as Record<number, string>)[i] ?? n,
    );
    const unicodeMails = new Map<string, string>();
    for (let i = 0; i < 20; i++) {
      const name = names[i % names.length]!;
      const v = valid(i + 1, 'appointment.completed', (e) => void (e.data.patient.name = name));
      unicodeMails.set(v.email, shown[i % names.length]!);
      pushValid('valid-unicode', v);
    }
    // Overlong names (accepted: the schemas set no maximum), by email only.
    for (let i = 0; i < 10; i++) {
      const name = `${'Siti Rahma binti Abdullah '.repeat(400)}${i}`;
      const v = valid(i + 1, 'appointment.completed', (e) => void (e.data.patient.name = name));
      unicodeMails.set(v.email, name);
      pushValid('valid-overlong-name', v);
    }
    // Prototype-pollution keys as extra (ignored) properties.
    for (let i = 0; i < 10; i++) {
      const v = valid(i, 'report.ready');
      const json = JSON.stringify(v.e)
        .replace(
          '"patient":{',
          '"patient":{"__proto__":{"isAdmin":true,"polluted":"patient"},"toString":"x","hasOwnProperty":1,',
        )
        .replace(
          '"data":{',
          '"data":{"__proto__":{"polluted":"data","patient":{"id":"x","name":"x"}},"constructor":{"prototype":{"polluted":"ctor"}},',
        )
        .replace(
          /^\{/,
          '{"__proto__":{"polluted":"root","tenantId":"x"},"constructor":{"prototype":{"polluted":"root"}},',
        );
      push({
        category: 'valid-proto-keys',
        key: v.e.tenantId,
        value: json,
        expect: 'deliver',
        deliveries: v.deliveries,
      });
    }
    // An event id is a tenant's own: the same id in another tenant is another event.
    for (let i = 0; i < 10; i++) {
      const first = originals[i * 7]!;
      const otherTenant = (tenants.findIndex((t) => t.id === first.e.tenantId) + 1) % tenants.length;
      const v = valid(otherTenant, 'appointment.completed', (e) => void (e.id = first.e.id));
      pushValid('valid-same-id-other-tenant', v);
    }
    // Large but under the limit: a 900 KB ignored property.
    for (let i = 0; i < 2; i++) {
      const v = valid(1 + i, 'appointment.completed', (e) => void (e.data.attachment = 'x'.repeat(900_000)));
      pushValid('valid-900KB', v, { alone: true });
    }
    // CloudEvents, structured and binary mode.
    for (let i = 0; i < 8; i++) {
      const v = valid(i, i % 2 ? 'appointment.completed' : 'walkin.token_called');
      const e = v.e;
      if (i < 4) {
        push({
          category: 'valid-cloudevents',
          key: e.tenantId,
          value: JSON.stringify({
            specversion: '1.0',
            id: e.id,
            source: '/emr',
            type: e.type,
            time: e.occurredAt,
            tenantid: e.tenantId,
            datacontenttype: 'application/json',
            data: e.data,
          }),
          headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
          expect: 'deliver',
          deliveries: v.deliveries,
        });
      } else {
        push({
          category: 'valid-cloudevents',
          key: e.tenantId,
          value: JSON.stringify(e.data),
          headers: {
            ce_specversion: '1.0',
            ce_id: e.id,
            ce_type: e.type,
            ce_source: '/emr',
            ce_time: e.occurredAt,
            ce_tenantid: e.tenantId,
            'content-type': 'application/json',
          },
          expect: 'deliver',
          deliveries: v.deliveries,
        });
      }
    }
    const validCount = msgs.length;
    expect(validCount).toBe(500);

    // ---- hostile messages -----------------------------------------------------------------
    const bad = (category: string, count: number, make: (i: number) => Omit<Msg, 'tid' | 'category'>) => {
      for (let i = 0; i < count; i++) push({ category, ...make(i) });
    };
    // A deep copy: the helper shares its doctor and centre objects between samples, and the cases below mutate.
    const base = (i: number, type = 'report.ready') =>
      structuredClone({ ...sampleEvent(type, { pushTokens: ['tok-x'] }), tenantId: T(i).id }) as any;
    const keyed = (i: number, value: unknown, expect: RegExp, extra: Partial<Msg> = {}) => ({
      key: T(i).id,
      value: typeof value === 'string' ? value : JSON.stringify(value),
      expect,
      ...extra,
    });
    const cycle = <X>(list: X[], i: number) => list[i % list.length]!;

    const invalidJson = [
      '{',
      '}',
      '{"id":',
      'nul',
      'tru',
      'undefined',
      "{'id':'x'}",
      '{"a":1,}',
      '[1,2',
      '{"a":01}',
      'NaN',
      'Infinity',
      '{"a":"\\x41"}',
      '{"a":"b" "c":1}',
      '<event/>',
      '{"id":"x"}garbage',
      '{}{}',
      '"unterminated',
      '{"a":"tab\there"}',
      '   ',
      '\n',
      '{"a":-}',
      '{"a":.5}',
      '{"a":1e}',
      '// comment\n{}',
    ];
    bad('invalid-json', 100, (i) => keyed(i, cycle(invalidJson, i), /^INVALID_JSON: \S/));
    bad('truncated-json', 100, (i) => {
      const full = JSON.stringify(base(i, cycle(types, i)));
      return keyed(i, full.slice(0, 1 + Math.floor(rand() * (full.length - 1))), /^INVALID_JSON: \S/);
    });
    bad('binary-garbage', 100, (i) => {
      const bytes = Buffer.alloc(1 + Math.floor(rand() * 2000));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      const kinds = [
        Buffer.concat([Buffer.from([0x00]), bytes]),
        Buffer.concat([Buffer.from([0xff, 0xfe]), bytes]),
        gzipSync(JSON.stringify(base(i))),
        Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), bytes]),
        Buffer.from([0x0a, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]),
      ];
      return { key: T(i).id, value: cycle(kinds, i), expect: /^INVALID_JSON: \S/ };
    });
    bad('empty-value', 50, (i) => ({ key: T(i).id, value: '', expect: /^EMPTY: \S/ }));
    bad('tombstone', 50, (i) => ({ key: T(i).id, value: null, expect: /^EMPTY: \S/ }));

    // Huge: near the broker's limit (1 MiB message.max.bytes) and beyond the consumer's.
    const padded = (i: number, size: number, mutate: (e: any) => void) => {
      const e = base(i, 'appointment.completed');
      mutate(e);
      const json = JSON.stringify({ ...e, data: { ...e.data, pad: '' } });
      return json.replace('"pad":""', `"pad":"${'p'.repeat(size - json.length)}"`);
    };
    bad('huge', 2, (i) => keyed(i, `{"pad":"${'x'.repeat(900_000)}"`, /^INVALID_JSON: \S/, { alone: true }));
    bad('huge', 2, (i) =>
      keyed(
        i,
        padded(i, 900_000, (e) => void (e.type = 'appointment.exploded')),
        /^UNKNOWN_TYPE: appointment\.exploded/,
        { alone: true },
      ),
    );
    bad('huge', 2, (i) =>
      keyed(
        i,
        padded(i, 900_000, (e) => void delete e.data.centre),
        /^INVALID_DATA: .*\/centre must have required property/,
        { alone: true },
      ),
    );
    // As large as the broker takes: the dead-letter copy (with its headers) no longer fits as is.
    bad('huge', 1, (i) =>
      keyed(
        i,
        padded(i, 1_048_400, (e) => void (e.type = 'appointment.exploded')),
        /^UNKNOWN_TYPE: appointment\.exploded/,
        { alone: true },
      ),
    );
    bad('huge', 1, (i) => {
      const bytes = Buffer.alloc(1_048_400);
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      bytes[0] = 0xff;
      return { key: T(i).id, value: bytes, expect: /^INVALID_JSON: \S/, alone: true };
    });
    // Beyond the consumer's 1 MiB: only possible compressed.
    bad('huge', 2, (i) =>
      keyed(
        i,
        padded(i, 2_000_000, () => {}),
        /^TOO_LARGE: 2000000 bytes/,
        { alone: true, gzip: true },
      ),
    );

    // 10,000 levels of nesting, as the whole value and inside data.
    const deepArray = '['.repeat(10_000) + ']'.repeat(10_000);
    const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    bad('deep-nesting', 5, (i) => keyed(i, deepArray, /^INVALID_ENVELOPE: \(root\) .*expected object, received array/));
    bad('deep-nesting', 5, (i) => keyed(i, deepObject, /^INVALID_ENVELOPE: id /));
    bad('deep-nesting', 10, (i) =>
      keyed(
        i,
        JSON.stringify(base(i)).replace('"data":{', `"data":{"deep":${i % 2 ? deepArray : deepObject},`),
        /^INVALID_DATA: .*nested/,
      ),
    );

    // Wrong types for every field.
    const envelopeFields: [string, unknown[]][] = [
      ['id', [null, 0, 1.5, true, [], {}, '', 'x'.repeat(201), '   ']],
      ['type', [null, 0, true, [], {}, '']],
      ['tenantId', [null, 0, true, [], {}, '', 'not-a-uuid', '11111111-1111-1111-1111']],
      [
        'occurredAt',
        [null, 0, 1700000000000, true, [], {}, '', 'yesterday', '2026-13-01T00:00:00Z', '2026-02-30T10:00:00+07:00'],
      ],
    ];
    const envelopeCases = envelopeFields.flatMap(([field, values]) => values.map((v) => [field, v] as const));
    const dataCases: [string, string, unknown][] = [
      ['report.ready', '/patient', 'Siti'],
      ['report.ready', '/patient', null],
      ['report.ready', '/patient', []],
      ['report.ready', '/patient', 5],
      ['report.ready', '/patient/id', 5],
      ['report.ready', '/patient/id', null],
      ['report.ready', '/patient/id', ''],
      ['report.ready', '/patient/id', true],
      ['report.ready', '/patient/name', 5],
      ['report.ready', '/patient/name', null],
      ['report.ready', '/patient/name', ''],
      ['report.ready', '/patient/name', []],
      ['report.ready', '/patient/name', {}],
      ['report.ready', '/patient/phone', '0812'],
      ['report.ready', '/patient/phone', 6281234567890],
      ['report.ready', '/patient/phone', '+0123456789'],
      ['report.ready', '/patient/phone', '+62 812'],
      ['report.ready', '/patient/email', 'not-an-email'],
      ['report.ready', '/patient/email', 5],
      ['report.ready', '/patient/language', 'de'],
      ['report.ready', '/patient/language', 5],
      ['report.ready', '/patient/language', 'ID'],
      ['report.ready', '/patient/pushTokens', 'tok'],
      ['report.ready', '/patient/pushTokens/0', 5],
      ['report.ready', '/patient/pushTokens/0', ''],
      ['report.ready', '/report', null],
      ['report.ready', '/report', 'x'],
      ['report.ready', '/report/id', 5],
      ['report.ready', '/report/name', null],
      ['report.ready', '/centre/name', 5],
      ['report.ready', '/centre/timezone', 5],
      ['report.ready', '/centre/timezone', ''],
      ['report.ready', '/doctor/name', 5],
      ['walkin.token_called', '/walkIn/position', -1],
      ['walkin.token_called', '/walkIn/position', 1.5],
      ['walkin.token_called', '/walkIn/position', null],
      ['walkin.token_called', '/walkIn/position', true],
      ['walkin.token_called', '/walkIn/tokenNumber', null],
      ['walkin.token_called', '/walkIn/tokenNumber', ''],
      ['walkin.token_called', '/walkIn/tokenNumber', 1.5],
      ['walkin.token_called', '/walkIn/room', 5],
      ['walkin.token_called', '/walkIn/room', ''],
      ['appointment.confirmed', '/appointment/slotStart', 5],
      ['appointment.confirmed', '/appointment/slotStart', 'tomorrow'],
      ['appointment.confirmed', '/appointment/slotStart', '2026-13-01T00:00:00Z'],
      ['appointment.confirmed', '/financial/amount', 150000],
      ['appointment.confirmed', '/financial/amount', 'abc'],
      ['appointment.confirmed', '/financial/amount', '-5'],
      ['appointment.confirmed', '/financial/currency', 'idr'],
      ['appointment.confirmed', '/financial/currency', 'RUPIAH'],
      ['appointment.confirmed', '/financial/paymentStatus', 'maybe'],
      ['appointment.cancelled', '/cancelledBy', 'doctor'],
      ['appointment.cancelled', '/cancelledBy', 5],
      ['prescription.ready', '/prescription/status', 'ready'],
      ['prescription.ready', '/prescription/number', 5],
    ];
    const setPath = (obj: any, path: string, value: unknown) => {
      const parts = path.split('/').slice(1);
      let o = obj;
      for (const part of parts.slice(0, -1)) o = o[part];
      o[parts.at(-1)!] = value;
    };
    bad('wrong-types', 400, (i) => {
      if (i % 3 === 0) {
        const [field, value] = cycle(envelopeCases, i / 3);
        const e = { ...base(i), [field]: value };
        const expect =
          field === 'tenantId' && typeof value === 'string'
            ? /^INVALID_ENVELOPE: tenantId must be a tenant id/
            : new RegExp(`^INVALID_ENVELOPE: (.*; )?${field} `);
        return keyed(i, e, expect);
      }
      const [type, path, value] = cycle(dataCases, i);
      const e = base(i, type);
      setPath(e.data, path, value);
      return keyed(i, e, new RegExp(`^INVALID_DATA: (.*; )?${esc(path)} `));
    });

    const unknownTypes = [
      'report.exploded',
      'appointment.confirmed ',
      ' appointment.confirmed',
      'APPOINTMENT.CONFIRMED',
      'appointment',
      'appointment.*',
      '*',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'report.ready\u0000',
      'réport.ready',
      'report.ready.v2',
      'x'.repeat(5000),
      '😀',
      '\u202Eydaer.troper',
      'report.ready\u200B',
    ];
    bad('unknown-type', 100, (i) => {
      const type = cycle(unknownTypes, i);
      return keyed(i, { ...base(i), type }, new RegExp(`^UNKNOWN_TYPE: ${esc(type.slice(0, 100))}`));
    });
    bad('reserved-type', 30, (i) => {
      const type = cycle(
        [
          'credit.insufficient',
          'credit.purchase_status',
          'appointment.reminder',
          'walkin.approaching_turn',
          'whatsapp.template_status',
        ],
        i,
      );
      return keyed(i, { ...base(i), type }, new RegExp(`^RESERVED_TYPE: ${esc(type)} `));
    });

    // Missing required fields.
    const dataRequired: [string, string][] = [
      ['report.ready', '/patient'],
      ['report.ready', '/report'],
      ['report.ready', '/centre'],
      ['report.ready', '/patient/id'],
      ['report.ready', '/patient/name'],
      ['report.ready', '/report/name'],
      ['report.ready', '/centre/id'],
      ['walkin.token_called', '/walkIn/room'],
      ['walkin.token_called', '/walkIn/position'],
      ['walkin.token_called', '/walkIn/tokenNumber'],
      ['appointment.confirmed', '/appointment/slotStart'],
      ['appointment.confirmed', '/appointment/bookingReference'],
      ['appointment.confirmed', '/doctor'],
      ['appointment.confirmed', '/financial/currency'],
      ['appointment.cancelled', '/cancelledBy'],
      ['appointment.rescheduled', '/previousSlotStart'],
      ['doctor.emergency_leave', '/affected'],
      ['doctor.emergency_leave', '/affected/0/rescheduleUrl'],
      ['doctor.emergency_leave', '/affected/1/refund/amount'],
      ['patient.registered', '/clinicService'],
      ['billing.bill_generated', '/bill/amount'],
      ['lab.test_requested', '/test'],
    ];
    bad('missing-required', 200, (i) => {
      if (i % 5 === 0) {
        const field = cycle(['id', 'type', 'tenantId', 'occurredAt'], i / 5);
        const e = base(i);
        delete e[field];
        return keyed(i, e, new RegExp(`^INVALID_ENVELOPE: (.*; )?${field} `));
      }
      if (i % 5 === 1) {
        const e = base(i);
        delete e.data;
        return keyed(i, e, /^INVALID_ENVELOPE: (.*; )?data /);
      }
      const [type, path] = cycle(dataRequired, i);
      const e = base(i, type);
      const parts = path.split('/').slice(1);
      let o = e.data;
      for (const part of parts.slice(0, -1)) o = o[part];
      delete o[parts.at(-1)!];
      return keyed(i, e, new RegExp(`^INVALID_DATA: (.*; )?${esc(path)} must have required property`));
    });

    bad('unknown-tenant', 110, () => {
      const ghost = randomUUID();
      return {
        key: ghost,
        value: JSON.stringify({ ...sampleEvent('report.ready'), tenantId: ghost }),
        expect: new RegExp(`^UNKNOWN_TENANT: ${ghost}$`),
      };
    });
    bad('key-mismatch', 120, (i) => {
      const keys: (string | Buffer)[] = [
        T(i + 1).id,
        randomUUID(),
        '',
        'garbage',
        `${T(i).id} `,
        Buffer.from([0xff, 0x00, 0xfe]),
        T(i).id.toUpperCase(),
        `${T(i).id}\u0000`,
      ];
      return {
        key: cycle(keys, i),
        value: JSON.stringify(base(i)),
        expect: /^KEY_MISMATCH: message key .* is not the tenantId/,
      };
    });

    // CloudEvents: bad specversion, missing attributes or ce_ headers, wrong content type.
    const ceOf = (i: number, type = 'report.ready') => {
      const e = base(i, type);
      return {
        specversion: '1.0',
        id: e.id,
        source: '/emr',
        type: e.type,
        time: e.occurredAt,
        tenantid: e.tenantId,
        datacontenttype: 'application/json',
        data: e.data,
      } as any;
    };
    const ceHeaders = (ce: any) => ({
      ce_specversion: '1.0',
      ce_id: ce.id,
      ce_type: ce.type,
      ce_source: ce.source,
      ce_time: ce.time,
      ce_tenantid: ce.tenantid,
    });
    const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
    const ceCases: ((i: number) => Omit<Msg, 'tid' | 'category'>)[] = [
      ...['0.3', '1.1', '', '2.0', 1, null, ['1.0']].map(
        (v) => (i: number) =>
          keyed(i, { ...ceOf(i), specversion: v }, /^INVALID_ENVELOPE: (.*; )?specversion /, { headers: STRUCTURED }),
      ),
      ...['id', 'source', 'type', 'time', 'tenantid'].map((f) => (i: number) => {
        const ce = ceOf(i);
        delete ce[f];
        return keyed(i, ce, new RegExp(`^INVALID_ENVELOPE: (.*; )?${f} `), { headers: STRUCTURED });
      }),
      (i) =>
        keyed(i, { ...ceOf(i), time: '2026-05-01T10:00:00' }, /^INVALID_ENVELOPE: (.*; )?time /, {
          headers: STRUCTURED,
        }),
      (i) =>
        keyed(i, { ...ceOf(i), tenantid: 'clinic-1' }, /^INVALID_ENVELOPE: tenantId must be a tenant id/, {
          headers: STRUCTURED,
        }),
      (i) =>
        keyed(
          i,
          { ...ceOf(i), datacontenttype: 'application/xml' },
          /^INVALID_ENVELOPE: datacontenttype "application\/xml" is not JSON/,
          { headers: STRUCTURED },
        ),
      ...['ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_tenantid'].map((h) => (i: number) => {
        const ce = ceOf(i);
        const headers: Record<string, string> = ceHeaders(ce);
        delete headers[h];
        return keyed(i, ce.data, new RegExp(`^INVALID_ENVELOPE: (.*; )?${h.slice(3)} `), { headers });
      }),
      (i) => {
        const ce = ceOf(i);
        return keyed(i, ce.data, /^INVALID_ENVELOPE: (.*; )?specversion /, {
          headers: { ...ceHeaders(ce), ce_specversion: '0.3' },
        });
      },
      (i) => {
        const ce = ceOf(i);
        return keyed(i, ce.data, /^INVALID_ENVELOPE: (.*; )?time /, {
          headers: { ...ceHeaders(ce), ce_time: '2026-05-01 10:00:00' },
        });
      },
      ...['application/xml', 'text/plain', 'application/avro', 'application/x-protobuf'].map((ct) => (i: number) => {
        const ce = ceOf(i);
        return keyed(i, ce.data, new RegExp(`^INVALID_ENVELOPE: content-type "${esc(ct)}" is not JSON`), {
          headers: { ...ceHeaders(ce), 'content-type': ct },
        });
      }),
      (i) =>
        keyed(i, ceOf(i), /^INVALID_ENVELOPE: content-type "application\/cloudevents\+xml" is not JSON/, {
          headers: { 'content-type': 'application/cloudevents+xml' },
        }),
      (i) =>
        keyed(
          i,
          [ceOf(i)],
          /^INVALID_ENVELOPE: content-type "application\/cloudevents-batch\+json": batches are not accepted/,
          { headers: { 'content-type': 'application/cloudevents-batch+json' } },
        ),
      (i) =>
        keyed(i, base(i), /^INVALID_ENVELOPE: content-type "text\/plain" is not JSON/, {
          headers: { 'content-type': 'text/plain' },
        }),
      // Structured content type, but a plain envelope: no specversion.
      (i) => keyed(i, base(i), /^INVALID_ENVELOPE: (.*; )?specversion /, { headers: STRUCTURED }),
    ];
    bad('cloudevents', 200, (i) => cycle(ceCases, i)(i));

    // Unicode the database cannot store, or bytes that are not UTF-8.
    const surrogates = ['\ud800', '\udc00', '\udc00\ud800', 'a\ud83d', '\ude00b'];
    const badUnicode: ((i: number) => Omit<Msg, 'tid' | 'category'>)[] = [
      ...surrogates.map((s) => (i: number) => {
        const e = base(i);
        e.data.patient.name = `Siti${s}`;
        return keyed(i, e, /^INVALID_DATA: \/patient\/name is not well-formed Unicode/);
      }),
      (i) => {
        const e = base(i);
        e.data.patient.name = 'Siti\u0000Rahma';
        return keyed(i, e, /^INVALID_DATA: \/patient\/name contains NUL/);
      },
      (i) => {
        const e = base(i);
        e.data.report.name = '\u0000';
        return keyed(i, e, /^INVALID_DATA: \/report\/name contains NUL/);
      },
      (i) => {
        const e = base(i);
        e.data.note = 'ignored but stored\u0000';
        return keyed(i, e, /^INVALID_DATA: \/note contains NUL/);
      },
      (i) => {
        const e = base(i);
        e.data.patient['na\u0000me'] = 'x';
        return keyed(i, e, /^INVALID_DATA: \/patient\/na\\u0000me is a property name that contains NUL/);
      },
      (i) => {
        const e = base(i);
        e.data['\ud800'] = 'x';
        return keyed(i, e, /^INVALID_DATA: \/\\ud800 is a property name that is not well-formed Unicode/);
      },
      (i) => keyed(i, { ...base(i), id: 'evt-\u0000' }, /^INVALID_ENVELOPE: id contains NUL/),
      (i) => keyed(i, { ...base(i), id: 'evt-\ud800' }, /^INVALID_ENVELOPE: id is not well-formed Unicode/),
      (i) => {
        const ce = ceOf(i);
        return keyed(i, ce.data, /^INVALID_ENVELOPE: id contains NUL/, {
          headers: { ...ceHeaders(ce), ce_id: 'evt\u0000' },
        });
      },
      ...[
        [0xc0, 0x80],
        [0xed, 0xa0, 0x80],
        [0xff],
        [0xf0, 0x9f, 0x98],
        [0xe2, 0x28, 0xa1],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
      ].map((seq) => (i: number) => {
        const json = JSON.stringify(base(i));
        const at = json.indexOf('Siti') + 4;
        return {
          key: T(i).id,
          value: Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from(seq), Buffer.from(json.slice(at))]),
          expect: /^INVALID_JSON: the value is not valid UTF-8/,
        };
      }),
      (i) => ({
        key: T(i).id,
        value: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(base(i)))]),
        expect: /^INVALID_JSON: \S/,
      }),
    ];
    bad('unicode', 140, (i) => cycle(badUnicode, i)(i));

    // Prototype-pollution keys standing in for required fields.
    const protoCases: ((i: number) => Omit<Msg, 'tid' | 'category'>)[] = [
      (i) => keyed(i, `{"__proto__":${JSON.stringify(base(i))}}`, /^INVALID_ENVELOPE: (.*; )?id /),
      (i) => {
        const e = base(i);
        return keyed(
          i,
          JSON.stringify({ ...e, type: undefined }).replace(
            /^\{/,
            '{"constructor":{"prototype":{"type":"report.ready"}},"__proto__":{"type":"report.ready"},',
          ),
          /^INVALID_ENVELOPE: (.*; )?type /,
        );
      },
      (i) => {
        const e = base(i);
        const { name, ...rest } = e.data.patient;
        return keyed(
          i,
          JSON.stringify(e).replace(
            JSON.stringify(e.data.patient),
            JSON.stringify(rest).replace(/^\{/, `{"__proto__":{"name":${JSON.stringify(name)}},`),
          ),
          /^INVALID_DATA: \/patient\/name must have required property/,
        );
      },
      (i) => {
        const e = base(i);
        return keyed(
          i,
          JSON.stringify({ ...e, data: undefined }).replace(/^\{/, `{"data":{"__proto__":${JSON.stringify(e.data)}},`),
          /^INVALID_DATA: (.*; )?\/patient must have required property/,
        );
      },
      (i) => keyed(i, { ...base(i), type: '__proto__' }, /^UNKNOWN_TYPE: __proto__/),
    ];
    bad('prototype-pollution', 50, (i) => cycle(protoCases, i)(i));

    // Numbers as strings (and the other way round).
    const numberCases: ((i: number) => Omit<Msg, 'tid' | 'category'>)[] = [
      (i) => {
        const e = base(i, 'walkin.token_called');
        e.data.walkIn.position = '5';
        return keyed(i, e, /^INVALID_DATA: \/walkIn\/position must be integer/);
      },
      (i) => {
        const e = base(i, 'walkin.queue_updated');
        e.data.walkIn.position = '0';
        return keyed(i, e, /^INVALID_DATA: \/walkIn\/position must be integer/);
      },
      (i) => {
        const e = base(i, 'package.redeemed');
        e.data.package.remainingUses = '2';
        return keyed(i, e, /^INVALID_DATA: \/package\/remainingUses must be integer/);
      },
      (i) => {
        const e = base(i, 'appointment.confirmed');
        e.data.financial.amount = 150000;
        return keyed(i, e, /^INVALID_DATA: \/financial\/amount must be string/);
      },
      (i) => {
        const e = base(i);
        e.data.patient.id = 12345;
        return keyed(i, e, /^INVALID_DATA: \/patient\/id must be string/);
      },
      (i) => keyed(i, { ...base(i), occurredAt: '1700000000' }, /^INVALID_ENVELOPE: occurredAt /),
      (i) => keyed(i, { ...ceOf(i), specversion: 1.0 }, /^INVALID_ENVELOPE: specversion /, { headers: STRUCTURED }),
      (i) => {
        const e = base(i, 'walkin.token_called');
        return keyed(
          i,
          JSON.stringify(e).replace(`"position":${e.data.walkIn.position}`, '"position":1e400'),
          /^INVALID_DATA: \/walkIn\/position must be integer/,
        );
      },
    ];
    bad('numbers-as-strings', 50, (i) => cycle(numberCases, i)(i));

    // Dates without an offset (and out of range).
    const dateCases: ((i: number) => Omit<Msg, 'tid' | 'category'>)[] = [
      ...[
        '2026-05-01T10:00:00',
        '2026-05-01',
        '2026-05-01 10:00:00+07:00',
        '2026-05-01T10:00:00.000',
        '01/05/2026 10:00',
      ].map((d) => (i: number) => keyed(i, { ...base(i), occurredAt: d }, /^INVALID_ENVELOPE: occurredAt /)),
      (i) => {
        const e = base(i, 'appointment.confirmed');
        e.data.appointment.slotStart = '2026-12-01T10:00:00';
        return keyed(i, e, /^INVALID_DATA: \/appointment\/slotStart must match format "date-time"/);
      },
      (i) => {
        const e = base(i, 'appointment.rescheduled');
        e.data.previousSlotStart = '2026-12-01';
        return keyed(i, e, /^INVALID_DATA: \/previousSlotStart must match format "date-time"/);
      },
      (i) => {
        const e = base(i, 'doctor.emergency_leave');
        e.data.leaveFrom = '2026-12-01T08:00';
        return keyed(i, e, /^INVALID_DATA: \/leaveFrom must match format "date-time"/);
      },
      (i) => {
        const ce = ceOf(i);
        return keyed(i, ce.data, /^INVALID_ENVELOPE: (.*; )?time /, {
          headers: { ...ceHeaders(ce), ce_time: '2026-05-01T10:00:00' },
        });
      },
      // Valid ISO-8601, but outside what a timestamp column holds.
      (i) =>
        keyed(i, { ...base(i), occurredAt: '0000-01-01T00:00:00Z' }, /^INVALID_ENVELOPE: occurredAt .*out of range/),
      (i) =>
        keyed(
          i,
          { ...base(i), occurredAt: '0001-01-01T00:00:00+01:00' },
          /^INVALID_ENVELOPE: occurredAt .*out of range/,
        ),
      (i) =>
        keyed(
          i,
          { ...base(i), occurredAt: '9999-12-31T23:59:59-14:00' },
          /^INVALID_ENVELOPE: occurredAt .*out of range/,
        ),
      (i) => {
        const e = base(i, 'appointment.confirmed');
        e.data.appointment.slotStart = '9999-12-31T23:59:59-14:00';
        return keyed(i, e, /^INVALID_DATA: \/appointment\/slotStart /);
      },
    ];
    bad('dates', 70, (i) => cycle(dateCases, i)(i));

    // Duplicates: the same event again, and the same id with other content. Both add nothing.
    bad('duplicate', 100, (i) => {
      const o = originals[i * 3]!;
      if (i % 2 === 0) return { key: o.m.key, value: o.m.value, expect: 'ignore', after: o.m.tid };
      const changed = {
        ...sampleEvent(o.e.type, {
          email: `dup${i}@patients.example`,
          phone: '+6289999999999',
          pushTokens: [`dup-${i}`],
        }),
        id: o.e.id,
        tenantId: o.e.tenantId,
      };
      return { key: o.m.key, value: JSON.stringify(changed), expect: 'ignore', after: o.m.tid };
    });

    const hostileCount = msgs.length - validCount;
    expect(hostileCount).toBe(2000);

    // ---- produce, interleaved -------------------------------------------------------------
    for (let i = msgs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [msgs[i], msgs[j]] = [msgs[j]!, msgs[i]!];
    }
    const position = new Map(msgs.map((m, i) => [m.tid, i]));
    for (const m of msgs.filter((x) => x.after)) {
      const a = position.get(m.after!)!;
      const b = position.get(m.tid)!;
      if (b < a) {
        [msgs[a], msgs[b]] = [msgs[b]!, msgs[a]!];
        position.set(m.tid, a);
        position.set(msgs[b]!.tid, b);
      }
    }
    const dlq = await collect(topics.KAFKA_DLQ_TOPIC);
    const metricsBefore = await deadLetteredByReason();
    // The dispatcher's membership: a crashed kafkajs consumer rejoins as a new member.
    const member = async () => {
      const [group] = (await admin.describeGroups([topics.KAFKA_CONSUMER_GROUP])).groups;
      expect(group!.state).toBe('Stable');
      expect(group!.members).toHaveLength(1);
      return group!.members[0]!.memberId;
    };
    const memberBefore = await eventually(member, 20_000, 200);
    const failures: unknown[] = [];
    const dispatcher = k.runtime.dispatcher;
    const handleMany = dispatcher.handleMany;
    const inFlight = new Set<string>();
    dispatcher.handleMany = async (tenantId, list) => {
      const id = list.map((e) => `${e.type} ${e.id}`).join(', ');
      inFlight.add(id);
      try {
        return await handleMany(tenantId, list);
      } catch (err) {
        failures.push(err);
        throw err;
      } finally {
        inFlight.delete(id);
      }
    };
    const toKafka = (m: Msg) => ({
      key: m.key,
      value: m.value,
      headers: { ...m.headers, 'x-test-id': m.tid },
      ...(m.partition !== undefined ? { partition: m.partition } : {}),
    });
    let chunk: Msg[] = [];
    const flush = async () => {
      if (chunk.length) await producer.send({ topic: topics.KAFKA_EVENTS_TOPIC, messages: chunk.map(toKafka) });
      chunk = [];
    };
    for (const m of msgs) {
      if (m.alone) {
        await flush();
        await producer.send({
          topic: topics.KAFKA_EVENTS_TOPIC,
          messages: [toKafka(m)],
          ...(m.gzip ? { compression: CompressionTypes.GZIP } : {}),
        });
      } else {
        chunk.push(m);
        if (chunk.length === 200) await flush();
      }
    }
    await flush();
    // Beyond the broker's own limit: refused at the door, never on the topic.
    await expect(
      producer.send({
        topic: topics.KAFKA_EVENTS_TOPIC,
        messages: [{ key: T(0).id, value: Buffer.alloc(1_100_000, 0x61) }],
      }),
    ).rejects.toThrow(/larger than the max message size/);
    // After all the garbage: one valid event on every partition.
    const sentinels: Msg[] = [];
    for (let partition = 0; partition < 3; partition++) {
      const v = valid(1, 'appointment.completed');
      sentinels.push(
        push({
          category: 'sentinel',
          key: v.e.tenantId,
          value: JSON.stringify(v.e),
          expect: 'deliver',
          deliveries: v.deliveries,
          partition,
        }),
      );
    }
    await producer.send({ topic: topics.KAFKA_EVENTS_TOPIC, messages: sentinels.map(toKafka) });
    const produced = Date.now();

    // ---- the partitions flowed to the end ----------------------------------------------------
    const sentinelMails = sentinels.map((s) => s.deliveries![0]![1]);
    const ends = await admin.fetchTopicOffsets(topics.KAFKA_EVENTS_TOPIC);
    expect(ends.reduce((s, e) => s + Number(e.high), 0)).toBe(msgs.length);
    const committed = async () => {
      const [t] = await admin.fetchOffsets({
        groupId: topics.KAFKA_CONSUMER_GROUP,
        topics: [topics.KAFKA_EVENTS_TOPIC],
      });
      return Object.fromEntries(t!.partitions.map((x) => [x.partition, x.offset]));
    };
    const end = Object.fromEntries(ends.map((e) => [e.partition, e.high]));
    try {
      await eventually(async () => expect(await committed()).toEqual(end), 60_000, 200);
    } catch (err) {
      const errors = [
        ...new Set(
          failures.map(
            (f: any) =>
              `${String(f).slice(0, 80)}… cause: ${f?.cause?.code ?? ''} ${String(f?.cause?.message ?? f?.cause ?? '').slice(0, 120)}`,
          ),
        ),
      ];
      throw new Error(
        `the partitions stopped flowing: committed ${JSON.stringify(await committed())} of ${JSON.stringify(end)}, ${dlq.length} dead-lettered, dispatch errors: ${JSON.stringify(errors)}, still dispatching: ${JSON.stringify([...inFlight].slice(0, 5))}`,
        { cause: err },
      );
    }
    const drained = Date.now();
    const badMsgs = msgs.filter((m) => m.expect instanceof RegExp);
    await eventually(() => expect(dlq.length).toBeGreaterThanOrEqual(badMsgs.length), 15_000, 100);
    await new Promise((r) => setTimeout(r, 1_000)); // anything extra would show up now

    // ---- nothing crashed ---------------------------------------------------------------------
    expect(failures.map((f) => String(f))).toEqual([]);
    expect(await member()).toBe(memberBefore);

    // ---- every bad message in the DLQ exactly once, with its reason ----------------------------
    const byTid = new Map<string, typeof dlq>();
    for (const d of dlq) byTid.set(d.headers['x-test-id']!, [...(byTid.get(d.headers['x-test-id']!) ?? []), d]);
    const wrong: string[] = [];
    const perCategory = new Map<string, { expected: number; ok: number }>();
    const perCode = new Map<string, number>();
    for (const m of msgs) {
      const got = byTid.get(m.tid) ?? [];
      if (!(m.expect instanceof RegExp)) {
        if (got.length)
          wrong.push(`${m.tid} ${m.category} should not be dead-lettered: ${got[0]!.headers['kabar-dlq-reason']}`);
        continue;
      }
      const c = perCategory.get(m.category) ?? { expected: 0, ok: 0 };
      c.expected++;
      perCategory.set(m.category, c);
      const reason = got[0]?.headers['kabar-dlq-reason'] ?? '';
      const original = m.value == null ? null : Buffer.from(m.value);
      const sameValue = got[0]?.headers['kabar-dlq-value-omitted']
        ? got[0].value === null
        : original?.length
          ? got[0]?.value?.equals(original)
          : !got[0]?.value?.length;
      const sameKey = m.key == null ? got[0]?.key == null : got[0]?.key?.equals(Buffer.from(m.key));
      if (got.length !== 1)
        wrong.push(
          `${m.tid} ${m.category}: dead-lettered ${got.length} times ${got.map((g) => g.headers['kabar-dlq-reason']).join(' | ')} (expected ${m.expect})`,
        );
      else if (!m.expect.test(reason))
        wrong.push(`${m.tid} ${m.category}: reason ${JSON.stringify(reason.slice(0, 300))} does not match ${m.expect}`);
      else if (!sameValue || !sameKey) wrong.push(`${m.tid} ${m.category}: the DLQ copy changed the key or value`);
      else if (
        got[0]!.headers['kabar-dlq-topic'] !== topics.KAFKA_EVENTS_TOPIC ||
        !/^\d+$/.test(got[0]!.headers['kabar-dlq-offset'] ?? '')
      )
        wrong.push(`${m.tid}: DLQ provenance headers missing`);
      else {
        c.ok++;
        const code = /^([A-Z_]+):/.exec(reason)![1]!;
        perCode.set(code, (perCode.get(code) ?? 0) + 1);
      }
    }
    expect(wrong.slice(0, 40)).toEqual([]);
    expect(dlq).toHaveLength(badMsgs.length);
    // Only the incompressible near-limit value could not be copied: its DLQ record names it by size and hash.
    expect(
      dlq
        .filter((d) => d.headers['kabar-dlq-value-omitted'])
        .map((d) => [d.headers['kabar-dlq-value-omitted'], d.headers['kabar-dlq-value-sha256']?.length, d.value]),
    ).toEqual([['1048400', 64, null]]);
    expect([...perCategory].filter(([, c]) => c.ok !== c.expected)).toEqual([]);
    // The dead-letter metric agrees, by reason code.
    const metricsAfter = await deadLetteredByReason();
    const metricDelta = Object.fromEntries(
      [...metricsAfter].map(([code, n]) => [code, n - (metricsBefore.get(code) ?? 0)]).filter(([, n]) => n !== 0),
    );
    expect(metricDelta).toEqual(Object.fromEntries(perCode));

    // ---- every valid event delivered exactly once ---------------------------------------------
    const expected: Record<Provider, Map<string, number>> = {
      ses: new Map(),
      whatsapp: new Map(),
      sms: new Map(),
      fcm: new Map(),
    };
    for (const m of msgs)
      for (const [provider, to] of m.deliveries ?? [])
        expected[provider].set(to, (expected[provider].get(to) ?? 0) + 1);
    const tally = (list: string[]) =>
      list.reduce((acc, to) => acc.set(to, (acc.get(to) ?? 0) + 1), new Map<string, number>());
    const actual: Record<Provider, Map<string, number>> = {
      ses: tally(p.ses.received.map((r) => r.to.join(','))),
      whatsapp: tally(p.whatsapp.received.map((r) => r.to)),
      sms: tally(p.sms.received.map((r) => r.to)),
      fcm: tally(p.fcm.received.map((r) => r.token)),
    };
    const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const provider of ['ses', 'whatsapp', 'sms', 'fcm'] as const)
      expect(sorted(actual[provider]), provider).toEqual(sorted(expected[provider]));
    const totals = Object.fromEntries(
      (['ses', 'whatsapp', 'sms', 'fcm'] as const).map((x) => [
        x,
        [...expected[x].values()].reduce((a, b) => a + b, 0),
      ]),
    );
    expect({
      ses: p.ses.received.length,
      whatsapp: p.whatsapp.received.length,
      sms: p.sms.received.length,
      fcm: p.fcm.received.length,
    }).toEqual(totals);
    expect(sentinelMails.filter((to) => p.ses.received.some((r) => r.to[0] === to))).toHaveLength(3);
    // Names arrive as sent, whatever their script, as rendering neutralises them (line
    // separators become line feeds, bidirectional overrides go, so a name cannot display reversed).
    for (const [to, name] of unicodeMails) {
      const text = p.ses.received.find((r) => r.to[0] === to)!.text!;
      expect(text, to).toContain(name);
      expect(text, to).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    }
    // The changed duplicates reached nobody.
    expect(p.ses.received.filter((r) => r.to[0]!.startsWith('dup'))).toEqual([]);

    // ---- nothing polluted ------------------------------------------------------------------------
    const probe = {} as Record<string, unknown>;
    expect([
      probe.polluted,
      probe.isAdmin,
      Object.keys(Object.prototype),
      Object.getOwnPropertyNames(Object.prototype).filter(
        (n) =>
          ![
            'constructor',
            '__defineGetter__',
            '__defineSetter__',
            'hasOwnProperty',
            '__lookupGetter__',
            '__lookupSetter__',
            'isPrototypeOf',
            'propertyIsEnumerable',
            'toString',
            'valueOf',
            '__proto__',
            'toLocaleString',
          ].includes(n),
      ),
    ]).toEqual([undefined, undefined, [], []]);

    const summary = {
      valid: validCount + sentinels.length,
      hostile: hostileCount,
      deadLettered: dlq.length,
      byCode: Object.fromEntries([...perCode].sort()),
      byCategory: Object.fromEntries([...perCategory].map(([c, v]) => [c, v.expected])),
      delivered: totals,
      produceSeconds: (produced - started) / 1000,
      drainSeconds: (drained - produced) / 1000,
    };
    console.log(JSON.stringify(summary));
  }, 150_000);

  it('a database failure mid-batch retries the batch without dead-lettering anything twice; a message the database rejects is dead-lettered', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `kabar.events.retry.${suffix}`;
    const dlqTopic = `kabar.events.retry.dlq.${suffix}`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 1 },
        { topic: dlqTopic, numPartitions: 1 },
      ],
    });
    const t = tenants[0]!.id;
    const good = (id: string) => JSON.stringify({ ...sampleEvent('report.ready'), id, tenantId: t });
    // One batch: bad, good (the database fails the first time), bad, bad, good, then two the database
    // always rejects: a value it cannot read (SQLSTATE class 22) and a statement past its limits (class 54).
    await producer.send({
      topic,
      messages: [
        { key: t, value: '{"truncated":' },
        { key: t, value: good('evt-db-fails-once') },
        { key: t, value: JSON.stringify({ ...sampleEvent('report.ready'), type: 'report.exploded', tenantId: t }) },
        { key: t, value: null },
        { key: t, value: good('evt-after') },
        { key: t, value: good('evt-unstorable') },
        { key: t, value: good('evt-too-complex') },
      ],
    });
    const calls: string[] = [];
    let failed = false;
    const fake = {
      handleMany: async (_tenantId: string, list: { id: string }[]) => {
        const ids = list.map((e) => e.id);
        calls.push(ids.join(','));
        await new Promise((r) => setTimeout(r, 50));
        if (ids.includes('evt-db-fails-once') && !failed) {
          failed = true;
          throw Object.assign(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'), { code: 'CONNECTION_CLOSED' });
        }
        // Real rejections by PostgreSQL, as drizzle throws them: an amount with a decimal comma (22P02),
        // and a call with more arguments than PostgreSQL takes (54023).
        if (ids.includes('evt-unstorable')) await k.app.db.db.execute(sql`select ${'12,5'}::numeric`);
        if (ids.includes('evt-too-complex'))
          await k.app.db.db.execute(sql.raw(`select concat(${Array.from({ length: 101 }, (_, i) => i).join(', ')})`));
        return list.map(() => ({ kind: 'dispatched' }));
      },
    } as unknown as Dispatcher;
    const dlq = await collect(dlqTopic);
    const k2 = new Kafka({
      clientId: 'hostile-retry',
      brokers: [brokers],
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 5 },
    });
    const prod = await createProducer(k2);
    const consumer = await startEventsConsumer(
      k2,
      prod,
      fake,
      { topic, dlqTopic, groupId: `retry-${suffix}`, maxInFlight: 10, maxBatchEvents: 200 },
      pino({ level: 'silent' }),
    );
    try {
      await eventually(
        async () => {
          const [o] = await admin.fetchOffsets({ groupId: `retry-${suffix}`, topics: [topic] });
          expect(o!.partitions[0]!.offset).toBe('7');
        },
        20_000,
        100,
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(dlq.map((d) => [d.headers['kabar-dlq-offset'], d.headers['kabar-dlq-reason']]).sort()).toEqual([
        ['0', expect.stringMatching(/^INVALID_JSON: the value is not JSON \(.+\)$/)],
        ['2', 'UNKNOWN_TYPE: report.exploded'],
        ['3', 'EMPTY: no message value (a tombstone)'],
        ['5', 'UNPROCESSABLE: 22P02 invalid input syntax for type numeric: "12,5"'],
        ['6', 'UNPROCESSABLE: 54023 cannot pass more than 100 arguments to a function'],
      ]);
      // The tenant's valid events go as one unit. The failed batch ran again; then the unit the
      // database rejects is redone one event at a time, in order, to find the one to dead-letter.
      const unit = 'evt-db-fails-once,evt-after,evt-unstorable,evt-too-complex';
      expect({ failed, calls }).toEqual({
        failed: true,
        calls: [unit, unit, 'evt-db-fails-once', 'evt-after', 'evt-unstorable', 'evt-too-complex'],
      });
    } finally {
      // A consumer that crashed on a batch it could not get past cannot pause: let the assertion speak.
      await consumer.disconnect().catch(() => {});
      await prod.disconnect();
    }
  }, 40_000);
});
