// Events' phone numbers as E.164 where the tenant, and so its country, is known: at publication
// (publishEvent, POST /events) a bad phone is BAD_USER_INPUT; at dispatch (Kafka) the event is
// dead-lettered as INVALID_DATA. Both read national numbers in the tenant's country.
import type { TenantScope } from '../db/tenant.js';
import { ValidationError } from '../domain-errors.js';
import { normaliseEventPhones, phoneReason } from '../events/phones.js';
import { dataProblem, type EventEnvelope } from '../events/envelope.js';
import { getTenantIfExists } from './tenants.service.js';

/** The event with its phones as E.164; throws ValidationError naming every bad phone (input.data.patient.phone). */
export async function withE164Phones(scope: TenantScope, e: EventEnvelope): Promise<EventEnvelope> {
  const tenant = await getTenantIfExists(scope);
  // No such tenant: dispatch records it as such (the HTTP route and publishEvent check it first).
  if (!tenant) return e;
  const checked = normaliseEventPhones(e.type, e.data, tenant.country);
  if (!checked.ok) throw new ValidationError(checked.errors.map((p) => dataProblem(p.path, p.message)));
  return checked.data === e.data ? e : { ...e, data: checked.data };
}

export type DispatchPhones = { ok: true; event: EventEnvelope } | { ok: false; reason: string };

/** A batch at dispatch: each event with its phones as E.164, or the reason it cannot be dispatched. */
export function phonesForDispatch(list: EventEnvelope[], country: string): DispatchPhones[] {
  return list.map((e) => {
    const checked = normaliseEventPhones(e.type, e.data, country);
    if (!checked.ok) return { ok: false, reason: phoneReason(checked.errors) };
    return { ok: true, event: checked.data === e.data ? e : { ...e, data: checked.data } };
  });
}
