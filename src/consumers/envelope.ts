import { z } from 'zod';
import { eventTypeInfo, validateEventData } from '../events/catalogue.js';
import type { EventEnvelope } from '../services/events.js';
import { isId } from '../validation.js';

export const MAX_EVENT_BYTES = 1024 * 1024;

export type Decoded = { ok: true; tenantId: string; event: EventEnvelope } | { ok: false; reason: string };

const plain = z.object({ id: z.string().min(1).max(200), type: z.string().min(1), tenantId: z.string(), occurredAt: z.iso.datetime({ offset: true }), data: z.unknown() });
const structured = z.object({ specversion: z.literal('1.0'), id: z.string().min(1).max(200), type: z.string().min(1), source: z.string().min(1), time: z.iso.datetime({ offset: true }), tenantid: z.string(), data: z.unknown() });

type Headers = Record<string, string | undefined>;

/** A Kafka message (or HTTP body) as Kabar's envelope: plain JSON, CloudEvents structured or binary mode. */
export function decodeEnvelope(value: Buffer | null, headers: Headers, key?: string | null): Decoded {
  if (!value || value.length === 0) return { ok: false, reason: 'EMPTY: no message value' };
  if (value.length > MAX_EVENT_BYTES) return { ok: false, reason: `TOO_LARGE: ${value.length} bytes (max ${MAX_EVENT_BYTES})` };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'INVALID_JSON: the value is not JSON' };
  }
  let env: { id: string; type: string; tenantId: string; occurredAt: string; data: unknown };
  if (headers['ce_specversion']) {
    // Binary mode: attributes in ce_* headers, the value is the data.
    const attrs = structured.omit({ data: true }).safeParse({ specversion: headers['ce_specversion'], id: headers['ce_id'], type: headers['ce_type'], source: headers['ce_source'], time: headers['ce_time'], tenantid: headers['ce_tenantid'] });
    if (!attrs.success) return { ok: false, reason: `INVALID_ENVELOPE: ${issues(attrs.error)}` };
    env = { id: attrs.data.id, type: attrs.data.type, tenantId: attrs.data.tenantid, occurredAt: attrs.data.time, data: json };
  } else if (json && typeof json === 'object' && 'specversion' in json) {
    const ce = structured.safeParse(json);
    if (!ce.success) return { ok: false, reason: `INVALID_ENVELOPE: ${issues(ce.error)}` };
    env = { id: ce.data.id, type: ce.data.type, tenantId: ce.data.tenantid, occurredAt: ce.data.time, data: ce.data.data };
  } else {
    const p = plain.safeParse(json);
    if (!p.success) return { ok: false, reason: `INVALID_ENVELOPE: ${issues(p.error)}` };
    env = p.data;
  }
  if (!isId(env.tenantId)) return { ok: false, reason: 'INVALID_ENVELOPE: tenantId must be a tenant id (UUID)' };
  if (key != null && key !== env.tenantId) return { ok: false, reason: `KEY_MISMATCH: message key ${JSON.stringify(key.slice(0, 64))} is not the tenantId` };
  const info = eventTypeInfo(env.type);
  if (!info) return { ok: false, reason: `UNKNOWN_TYPE: ${env.type.slice(0, 100)}` };
  if (info.producedBy !== 'partner') return { ok: false, reason: `RESERVED_TYPE: ${env.type} is produced by Kabar itself` };
  const valid = validateEventData(env.type, env.data);
  if (!valid.ok) return { ok: false, reason: `INVALID_DATA: ${valid.errors.slice(0, 5).map((e) => `${e.path || '/'} ${e.message}`).join('; ')}` };
  return { ok: true, tenantId: env.tenantId, event: { id: env.id, type: env.type, occurredAt: new Date(env.occurredAt), data: env.data } };
}

function issues(err: z.ZodError): string {
  return err.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ');
}
