import { eq } from 'drizzle-orm';
import { staffMembers } from '../schema/index.js';
import type { TenantScope } from '../db/tenant.js';
import { eventTypeInfo, matchesEventPattern } from '../events/catalogue.js';
import { eventChannelsByType, type ChannelName } from './event-channels.service.js';
import { cachedConfig } from './config-cache.service.js';
import { listRules } from './routing.service.js';
import type { StaffRow } from './staff.service.js';
import type { Language } from './tenants.service.js';

/** One message Kabar intends to send (or to record as skipped). */
export interface PlannedMessage {
  channel: ChannelName;
  /** The address as sent (phone, email, push token), or the person's ref when there is none. */
  recipient: string;
  recipientRef: string;
  recipientKind: 'patient' | 'staff';
  language: Language;
  /** doctor.emergency_leave: which affected patient this message is about. */
  affectedIndex?: number;
  /** Set when the message must not be sent: the reason recorded on its SKIPPED delivery. */
  skip?: 'CHANNEL_DISABLED' | 'NO_CONTACT' | 'NO_RECIPIENT';
}

interface Person {
  ref: string;
  kind: 'patient' | 'staff';
  phone?: string | null;
  email?: string | null;
  pushTokens?: string[] | null;
  language: Language;
}

const LANG: Record<string, Language> = { id: 'ID', en: 'EN', fr: 'FR' };
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Addresses of one person on one channel (push may have several devices). */
function addresses(p: Person, channel: ChannelName): string[] {
  if (channel === 'EMAIL') return p.email ? [p.email] : [];
  if (channel === 'PUSH') return [...new Set(p.pushTokens ?? [])];
  return p.phone ? [p.phone] : [];
}

function messagesFor(p: Person, channels: ChannelName[], enabled: boolean, affectedIndex?: number): PlannedMessage[] {
  const base = {
    recipientRef: p.ref,
    recipientKind: p.kind,
    language: p.language,
    ...(affectedIndex !== undefined ? { affectedIndex } : {}),
  };
  return channels.flatMap((channel): PlannedMessage[] => {
    const to = addresses(p, channel);
    if (to.length === 0) return [{ ...base, channel, recipient: p.ref, skip: 'NO_CONTACT' }];
    return to.map(
      (recipient): PlannedMessage => ({
        ...base,
        channel,
        recipient,
        ...(enabled ? {} : { skip: 'CHANNEL_DISABLED' }),
      }),
    );
  });
}

function patientOf(raw: unknown, fallback: Language): Person {
  const p = obj(raw);
  const tokens = Array.isArray(p.pushTokens)
    ? p.pushTokens.filter((t): t is string => typeof t === 'string' && t.length > 0)
    : [];
  return {
    ref: `patient:${str(p.id) ?? 'unknown'}`,
    kind: 'patient',
    phone: str(p.phone),
    email: str(p.email),
    pushTokens: tokens,
    language: LANG[str(p.language) ?? ''] ?? fallback,
  };
}

const staffPerson = (s: StaffRow, fallback: Language): Person => ({
  ref: `staff:${s.id}`,
  kind: 'staff',
  phone: s.phone,
  email: s.email,
  pushTokens: s.pushTokens,
  language: s.language ?? fallback,
});

/** Staff chosen by the tenant's routing rules (highest priority first), else by the event's default departments. */
async function staffMessages(
  scope: TenantScope,
  eventType: string,
  data: unknown,
  setting: { channels: ChannelName[]; enabled: boolean },
  fallback: Language,
): Promise<PlannedMessage[]> {
  const centreId = str(obj(obj(data).centre).id);
  const staff = await cachedConfig(scope, 'staff', () =>
    scope.tx.select().from(staffMembers).where(eq(staffMembers.active, true)),
  );
  const worksHere = (s: StaffRow) => !centreId || s.centreIds.length === 0 || s.centreIds.includes(centreId);
  const rules = (await cachedConfig(scope, 'rules', () => listRules(scope))).filter(
    (r) => r.active && (!r.centreId || r.centreId === centreId) && matchesEventPattern(r.eventPattern, eventType),
  );
  const info = eventTypeInfo(eventType);
  const routes = rules.length
    ? rules.map((r) => ({ departments: r.departments, staffIds: r.staffIds, channels: r.channels }))
    : [
        {
          departments: info?.defaultDepartments ?? (info?.audience === 'admin' ? ['admin'] : []),
          staffIds: [] as string[],
          channels: setting.channels,
        },
      ];
  const seen = new Set<string>();
  const out: PlannedMessage[] = [];
  for (const route of routes) {
    const chosen = staff.filter(
      (s) =>
        worksHere(s) && (route.staffIds.includes(s.id) || s.departments.some((d) => route.departments.includes(d))),
    );
    for (const s of chosen) {
      const fresh = route.channels.filter((c) => !seen.has(`${s.id}:${c}`));
      fresh.forEach((c) => seen.add(`${s.id}:${c}`));
      out.push(...messagesFor(staffPerson(s, fallback), fresh, setting.enabled));
    }
  }
  return out;
}

/** Who hears about an event, on which channels, in which language. */
export async function planMessages(
  scope: TenantScope,
  eventType: string,
  data: unknown,
  tenantLanguage: Language,
): Promise<PlannedMessage[]> {
  const info = eventTypeInfo(eventType);
  if (!info?.notifies) return [];
  const setting = (await cachedConfig(scope, 'channels', () => eventChannelsByType(scope))).get(eventType)!;
  let out: PlannedMessage[];
  if (info.audience !== 'patient') {
    out = await staffMessages(scope, eventType, data, setting, tenantLanguage);
  } else if (eventType === 'doctor.emergency_leave') {
    const affected = Array.isArray(obj(data).affected) ? (obj(data).affected as unknown[]) : [];
    out = affected.flatMap((a, i) =>
      messagesFor(patientOf(obj(a).patient, tenantLanguage), setting.channels, setting.enabled, i),
    );
  } else {
    out = messagesFor(patientOf(obj(data).patient, tenantLanguage), setting.channels, setting.enabled);
  }
  if (out.length === 0) {
    // Nobody to tell is an outcome too: one SKIPPED row makes it visible in deliveries.
    const channel = setting.channels[0] ?? info.defaultChannels[0] ?? 'EMAIL';
    const skip = setting.channels.length === 0 || !setting.enabled ? 'CHANNEL_DISABLED' : 'NO_RECIPIENT';
    out = [
      {
        channel,
        recipient: 'nobody',
        recipientRef: 'nobody',
        recipientKind: info.audience === 'patient' ? 'patient' : 'staff',
        language: tenantLanguage,
        skip,
      },
    ];
  }
  return out;
}

/**
 * One patient's messages on one channel for an event (a channel fallback): the addresses the
 * event gives on that channel, or a NO_CONTACT skip. For an emergency leave, the affected entry
 * of that patient, so the message carries their own refund and link.
 */
export function patientMessagesOn(
  data: unknown,
  patientId: string,
  channel: ChannelName,
  tenantLanguage: Language,
): PlannedMessage[] {
  const affected = Array.isArray(obj(data).affected) ? (obj(data).affected as unknown[]) : null;
  if (affected) {
    const i = affected.findIndex((a) => str(obj(obj(a).patient).id) === patientId);
    return i < 0 ? [] : messagesFor(patientOf(obj(affected[i]).patient, tenantLanguage), [channel], true, i);
  }
  return messagesFor(patientOf(obj(data).patient, tenantLanguage), [channel], true);
}
