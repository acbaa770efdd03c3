import { z } from 'zod';
import { ValidationError } from '../domain-errors.js';
import { isId } from '../validation.js';
import { eventTypeInfo, validateEventData } from './catalogue.js';
import { textProblem } from './storable.js';

// A partner event's one home: the wire forms (Kafka value and headers, the POST /events body) are
// decoded here, and every entry (Kafka, HTTP, GraphQL's publishEvent) checks the event with
// checkEvent, once. Each entry words the problem its own way: a reason code (the DLQ header, the
// HTTP answer) or a ValidationError naming the GraphQL input field.

/** A partner event as every entry hands it on (to the sink, then the dispatcher). */
export interface EventEnvelope {
  id: string;
  type: string;
  occurredAt: Date;
  data: unknown;
}

declare const checked: unique symbol;
/** An event checkEvent accepted: what the ingest takes, so no entry can skip the check or repeat it. */
export type CheckedEvent = EventEnvelope & { readonly [checked]: true };

export const MAX_EVENT_BYTES = 1024 * 1024;
/** The instants a timestamp column and the reminder arithmetic can hold (also the JSON Schemas' date-time bounds). */
export const EARLIEST_TIME = '1900-01-01T00:00:00Z';
export const LATEST_TIME = '9999-01-01T00:00:00Z';

export type Decoded = { ok: true; tenantId: string; event: CheckedEvent } | { ok: false; reason: string };

/** What is wrong with an event, whatever the entry it came through. */
export type EventProblem =
  | { on: 'id'; detail: string }
  | { on: 'occurredAt'; detail: 'invalid' | 'out-of-range' }
  | { on: 'type'; detail: 'unknown' | 'reserved' }
  | { on: 'data'; errors: { path: string; message: string }[] };

export type Checked = { ok: true; event: CheckedEvent } | { ok: false; problem: EventProblem };

const earliest = Date.parse(EARLIEST_TIME);
const latest = Date.parse(LATEST_TIME);

/**
 * The checks every entry shares: an id PostgreSQL can store, a time in range, a partner event
 * type, data its JSON Schema accepts. Returns the event to hand on (a normalising step would
 * return the normalised event here, for every entry at once).
 */
export function checkEvent(e: EventEnvelope): Checked {
  // The id is stored as text: PostgreSQL refuses NUL, and a lone surrogate would be stored as U+FFFD.
  const idProblem = !e.id.trim()
    ? 'must not be blank'
    : e.id.length > 200
      ? 'must be 1 to 200 characters'
      : textProblem(e.id);
  if (idProblem) return { ok: false, problem: { on: 'id', detail: idProblem } };
  const at = e.occurredAt.getTime();
  if (Number.isNaN(at)) return { ok: false, problem: { on: 'occurredAt', detail: 'invalid' } };
  if (!(at >= earliest && at < latest)) return { ok: false, problem: { on: 'occurredAt', detail: 'out-of-range' } };
  const info = eventTypeInfo(e.type);
  if (!info) return { ok: false, problem: { on: 'type', detail: 'unknown' } };
  if (info.producedBy !== 'partner') return { ok: false, problem: { on: 'type', detail: 'reserved' } };
  const valid = validateEventData(e.type, e.data);
  if (!valid.ok) return { ok: false, problem: { on: 'data', errors: valid.errors } };
  return { ok: true, event: e as CheckedEvent };
}

/** publishEvent: the event checked like the wire's, or a ValidationError naming the input field. */
export function validateEvent(e: EventEnvelope): CheckedEvent {
  const checked = checkEvent(e);
  if (checked.ok) return checked.event;
  const p = checked.problem;
  switch (p.on) {
    case 'id':
      throw new ValidationError(
        'input.id',
        p.detail === 'must not be blank' ? 'input.id must be 1 to 200 characters' : `input.id ${p.detail}`,
      );
    case 'occurredAt':
      throw new ValidationError(
        'input.occurredAt',
        p.detail === 'invalid'
          ? 'input.occurredAt is not a valid date'
          : `input.occurredAt is out of range (${EARLIEST_TIME} to ${LATEST_TIME})`,
      );
    case 'type':
      throw new ValidationError(
        'input.type',
        p.detail === 'unknown'
          ? `input.type "${e.type}" is not a known event type (see the eventTypes query)`
          : `input.type "${e.type}" is produced by Kabar itself and cannot be published`,
      );
    case 'data':
      // Every invalid field of the data, each named as in the operation (input.data.patient.phone).
      throw new ValidationError(p.errors.map(({ path, message }) => dataProblem(path, message)));
  }
}

/** A problem of the event's data at a JSON pointer ("/patient/phone"), as a field of publishEvent's input. */
export function dataProblem(pointer: string, message: string): { path: string; message: string } {
  const field = `input.data${pointer && pointer !== '/' ? pointer.replace(/^\/?/, '.').replace(/\//g, '.') : ''}`;
  return { path: field, message: `${field}: ${message}` };
}

/** The wire's reason for a problem (Kafka's kabar-dlq-reason header, POST /events's answer). */
function wireReason(p: EventProblem, e: EventEnvelope, time: { field: string; raw: string }): string {
  switch (p.on) {
    case 'id':
      return `INVALID_ENVELOPE: id ${p.detail}`;
    case 'occurredAt':
      return `INVALID_ENVELOPE: ${time.field} ${time.raw} is out of range (${EARLIEST_TIME} to ${LATEST_TIME})`;
    case 'type':
      return p.detail === 'unknown'
        ? `UNKNOWN_TYPE: ${e.type.slice(0, 100)}`
        : `RESERVED_TYPE: ${e.type} is produced by Kabar itself`;
    case 'data':
      return `INVALID_DATA: ${p.errors
        .slice(0, 5)
        .map((x) => `${x.path || '/'} ${x.message}`)
        .join('; ')}`;
  }
}

const plain = z.object({
  id: z.string().min(1).max(200),
  type: z.string().min(1),
  tenantId: z.string(),
  occurredAt: z.iso.datetime({ offset: true }),
  data: z.unknown(),
});
const structured = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(200),
  type: z.string().min(1),
  source: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  tenantid: z.string(),
  data: z.unknown(),
});

type Headers = Record<string, string | undefined>;

export interface DecodeOptions {
  /**
   * The HTTP ingest: an envelope without a tenant id is for this tenant, the token's. Kafka
   * messages always carry theirs (and it must equal the key).
   */
  ownTenant?: string | null;
}

/** `json` with `field` set to `tenant` when it is an object that leaves the field out. */
function withTenant(json: unknown, field: string, tenant: string | null | undefined): unknown {
  if (
    !tenant ||
    !json ||
    typeof json !== 'object' ||
    Array.isArray(json) ||
    (json as Record<string, unknown>)[field] !== undefined
  )
    return json;
  return { ...json, [field]: tenant };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A Kafka message (or HTTP body) as Kabar's envelope: plain JSON, CloudEvents structured or binary mode. */
export function decodeEnvelope(
  value: Buffer | null,
  headers: Headers,
  key?: string | null,
  opts: DecodeOptions = {},
): Decoded {
  const own = opts.ownTenant;
  if (!value || value.length === 0)
    return {
      ok: false,
      reason: value ? 'EMPTY: the value is empty (0 bytes)' : 'EMPTY: no message value (a tombstone)',
    };
  if (value.length > MAX_EVENT_BYTES)
    return { ok: false, reason: `TOO_LARGE: ${value.length} bytes (max ${MAX_EVENT_BYTES})` };
  // Kafka headers keep their names; the HTTP ingest turns "-" into "_".
  const contentType = headers['content-type'] ?? headers.content_type;
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  if (media === 'application/cloudevents-batch+json')
    return {
      ok: false,
      reason: `INVALID_ENVELOPE: content-type "${media}": batches are not accepted, send one event per message`,
    };
  if (contentType !== undefined && !isJsonMedia(contentType))
    return {
      ok: false,
      reason: `INVALID_ENVELOPE: content-type "${printable(contentType.slice(0, 100))}" is not JSON`,
    };
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { ok: false, reason: 'INVALID_JSON: the value is not valid UTF-8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      reason: `INVALID_JSON: the value is not JSON (${printable((err as Error).message.slice(0, 120))})`,
    };
  }
  let env: { id: string; type: string; tenantId: string; occurredAt: string; data: unknown };
  let timeField = 'occurredAt';
  if (
    media === 'application/cloudevents+json' ||
    (!headers.ce_specversion &&
      json &&
      typeof json === 'object' &&
      !Array.isArray(json) &&
      Object.hasOwn(json, 'specversion'))
  ) {
    // Structured mode: the content type says so (or the value carries a specversion).
    const ce = structured.safeParse(withTenant(json, 'tenantid', own));
    if (!ce.success) return { ok: false, reason: `INVALID_ENVELOPE: ${issues(ce.error)}` };
    const dataType = (json as { datacontenttype?: unknown }).datacontenttype;
    if (dataType !== undefined && (typeof dataType !== 'string' || !isJsonMedia(dataType)))
      return {
        ok: false,
        reason: `INVALID_ENVELOPE: datacontenttype ${printable(JSON.stringify(dataType).slice(0, 100))} is not JSON`,
      };
    env = {
      id: ce.data.id,
      type: ce.data.type,
      tenantId: ce.data.tenantid,
      occurredAt: ce.data.time,
      data: ce.data.data,
    };
    timeField = 'time';
  } else if (headers.ce_specversion !== undefined) {
    // Binary mode: attributes in ce_* headers, the value is the data (its type is the content-type, checked above).
    const attrs = structured.omit({ data: true }).safeParse({
      specversion: headers.ce_specversion,
      id: headers.ce_id,
      type: headers.ce_type,
      source: headers.ce_source,
      time: headers.ce_time,
      tenantid: headers.ce_tenantid ?? own ?? undefined,
    });
    if (!attrs.success) return { ok: false, reason: `INVALID_ENVELOPE: ${issues(attrs.error)}` };
    env = {
      id: attrs.data.id,
      type: attrs.data.type,
      tenantId: attrs.data.tenantid,
      occurredAt: attrs.data.time,
      data: json,
    };
    timeField = 'time';
  } else {
    const p = plain.safeParse(withTenant(json, 'tenantId', own));
    if (!p.success) return { ok: false, reason: `INVALID_ENVELOPE: ${issues(p.error)}` };
    env = p.data;
  }
  // Routing first (whose event, on which partition), then the event itself.
  if (!isId(env.tenantId)) return { ok: false, reason: 'INVALID_ENVELOPE: tenantId must be a tenant id (UUID)' };
  if (key != null && key !== env.tenantId)
    return { ok: false, reason: `KEY_MISMATCH: message key ${JSON.stringify(key.slice(0, 64))} is not the tenantId` };
  const event = { id: env.id, type: env.type, occurredAt: new Date(env.occurredAt), data: env.data };
  const checked = checkEvent(event);
  if (!checked.ok)
    return { ok: false, reason: wireReason(checked.problem, event, { field: timeField, raw: env.occurredAt }) };
  return { ok: true, tenantId: env.tenantId, event: checked.event };
}

/** application/json, any +json type (application/cloudevents+json), text/json; a charset other than UTF-8 is not. */
function isJsonMedia(contentType: string): boolean {
  const [media = '', ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice(8)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return false;
  return (
    media === 'application/json' ||
    media === 'text/json' ||
    /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+\+json$/.test(media)
  );
}

/** Control characters out of a reason (it travels as a Kafka header and in logs). */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, '?');
}

function issues(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'} ${i.message}`)
    .join('; ');
}
