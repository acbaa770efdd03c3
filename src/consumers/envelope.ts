import { z } from 'zod';
import { eventTypeInfo, validateEventData } from '../events/catalogue.js';
import { textProblem } from '../events/storable.js';
import type { EventEnvelope } from '../services/events.js';
import { isId } from '../validation.js';

export const MAX_EVENT_BYTES = 1024 * 1024;
/** The instants a timestamp column and the reminder arithmetic can hold (also the JSON Schemas' date-time bounds). */
export const EARLIEST_TIME = '1900-01-01T00:00:00Z';
export const LATEST_TIME = '9999-01-01T00:00:00Z';

export type Decoded = { ok: true; tenantId: string; event: EventEnvelope } | { ok: false; reason: string };

const plain = z.object({ id: z.string().min(1).max(200), type: z.string().min(1), tenantId: z.string(), occurredAt: z.iso.datetime({ offset: true }), data: z.unknown() });
const structured = z.object({ specversion: z.literal('1.0'), id: z.string().min(1).max(200), type: z.string().min(1), source: z.string().min(1), time: z.iso.datetime({ offset: true }), tenantid: z.string(), data: z.unknown() });

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
  if (!tenant || !json || typeof json !== 'object' || Array.isArray(json) || (json as Record<string, unknown>)[field] !== undefined) return json;
  return { ...json, [field]: tenant };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A Kafka message (or HTTP body) as Kabar's envelope: plain JSON, CloudEvents structured or binary mode. */
export function decodeEnvelope(value: Buffer | null, headers: Headers, key?: string | null, opts: DecodeOptions = {}): Decoded {
  const own = opts.ownTenant;
  if (!value || value.length === 0) return { ok: false, reason: value ? 'EMPTY: the value is empty (0 bytes)' : 'EMPTY: no message value (a tombstone)' };
  if (value.length > MAX_EVENT_BYTES) return { ok: false, reason: `TOO_LARGE: ${value.length} bytes (max ${MAX_EVENT_BYTES})` };
  // Kafka headers keep their names; the HTTP ingest turns "-" into "_".
  const contentType = headers['content-type'] ?? headers['content_type'];
  const media = contentType?.split(';')[0]!.trim().toLowerCase();
  if (media === 'application/cloudevents-batch+json') return { ok: false, reason: `INVALID_ENVELOPE: content-type "${media}": batches are not accepted, send one event per message` };
  if (contentType !== undefined && !isJsonMedia(contentType)) return { ok: false, reason: `INVALID_ENVELOPE: content-type "${printable(contentType.slice(0, 100))}" is not JSON` };
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
    return { ok: false, reason: `INVALID_JSON: the value is not JSON (${printable((err as Error).message.slice(0, 120))})` };
  }
  let env: { id: string; type: string; tenantId: string; occurredAt: string; data: unknown };
  let timeField = 'occurredAt';
  if (media === 'application/cloudevents+json' || (!headers['ce_specversion'] && json && typeof json === 'object' && !Array.isArray(json) && Object.hasOwn(json, 'specversion'))) {
    // Structured mode: the content type says so (or the value carries a specversion).
    const ce = structured.safeParse(withTenant(json, 'tenantid', own));
    if (!ce.success) return { ok: false, reason: `INVALID_ENVELOPE: ${issues(ce.error)}` };
    const dataType = (json as { datacontenttype?: unknown }).datacontenttype;
    if (dataType !== undefined && (typeof dataType !== 'string' || !isJsonMedia(dataType))) return { ok: false, reason: `INVALID_ENVELOPE: datacontenttype ${printable(JSON.stringify(dataType).slice(0, 100))} is not JSON` };
    env = { id: ce.data.id, type: ce.data.type, tenantId: ce.data.tenantid, occurredAt: ce.data.time, data: ce.data.data };
    timeField = 'time';
  } else if (headers['ce_specversion'] !== undefined) {
    // Binary mode: attributes in ce_* headers, the value is the data (its type is the content-type, checked above).
    const attrs = structured.omit({ data: true }).safeParse({ specversion: headers['ce_specversion'], id: headers['ce_id'], type: headers['ce_type'], source: headers['ce_source'], time: headers['ce_time'], tenantid: headers['ce_tenantid'] ?? own ?? undefined });
    if (!attrs.success) return { ok: false, reason: `INVALID_ENVELOPE: ${issues(attrs.error)}` };
    env = { id: attrs.data.id, type: attrs.data.type, tenantId: attrs.data.tenantid, occurredAt: attrs.data.time, data: json };
    timeField = 'time';
  } else {
    const p = plain.safeParse(withTenant(json, 'tenantId', own));
    if (!p.success) return { ok: false, reason: `INVALID_ENVELOPE: ${issues(p.error)}` };
    env = p.data;
  }
  // The id is stored as text: PostgreSQL refuses NUL, and a lone surrogate would be stored as U+FFFD.
  const idProblem = !env.id.trim() ? 'must not be blank' : textProblem(env.id);
  if (idProblem) return { ok: false, reason: `INVALID_ENVELOPE: id ${idProblem}` };
  if (!isId(env.tenantId)) return { ok: false, reason: 'INVALID_ENVELOPE: tenantId must be a tenant id (UUID)' };
  const occurredAt = new Date(env.occurredAt);
  if (!(occurredAt.getTime() >= Date.parse(EARLIEST_TIME) && occurredAt.getTime() < Date.parse(LATEST_TIME))) {
    return { ok: false, reason: `INVALID_ENVELOPE: ${timeField} ${env.occurredAt} is out of range (${EARLIEST_TIME} to ${LATEST_TIME})` };
  }
  if (key != null && key !== env.tenantId) return { ok: false, reason: `KEY_MISMATCH: message key ${JSON.stringify(key.slice(0, 64))} is not the tenantId` };
  const info = eventTypeInfo(env.type);
  if (!info) return { ok: false, reason: `UNKNOWN_TYPE: ${env.type.slice(0, 100)}` };
  if (info.producedBy !== 'partner') return { ok: false, reason: `RESERVED_TYPE: ${env.type} is produced by Kabar itself` };
  const valid = validateEventData(env.type, env.data);
  if (!valid.ok) return { ok: false, reason: `INVALID_DATA: ${valid.errors.slice(0, 5).map((e) => `${e.path || '/'} ${e.message}`).join('; ')}` };
  return { ok: true, tenantId: env.tenantId, event: { id: env.id, type: env.type, occurredAt, data: env.data } };
}

/** application/json, any +json type (application/cloudevents+json), text/json; a charset other than UTF-8 is not. */
function isJsonMedia(contentType: string): boolean {
  const [media = '', ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return false;
  return media === 'application/json' || media === 'text/json' || /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+\+json$/.test(media);
}

/** Control characters out of a reason (it travels as a Kafka header and in logs). */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, '?');
}

function issues(err: z.ZodError): string {
  return err.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ');
}
