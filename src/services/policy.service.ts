// The patient's side of delivery policy, as pure decisions: consent and choices, quiet hours,
// and the rule for reminders that fall inside quiet hours. Dispatch applies them to new
// messages; release applies them again to a message that waited (quiet hours, a retry, a
// resend, a fallback), so a later choice still counts for anything not yet sent.
import { QUIET_HOURS_PATTERN } from './reference-data-keys.service.js';
import type { PreferenceRow } from './preferences.service.js';

export type PolicySkip = 'OPTED_OUT' | 'NO_CONSENT' | 'QUIET_HOURS';
export type PolicyDecision = { kind: 'send' } | { kind: 'skip'; reason: PolicySkip } | { kind: 'hold'; until: Date };

export interface PolicyInput {
  channel: string;
  /** Staff and admin messages are not the patient's to choose: no gate applies to them. */
  forPatient: boolean;
  category: string;
  critical: boolean;
  /** The patient's choices in force (preferences.inForce). */
  choices: readonly Pick<PreferenceRow, 'channel' | 'category' | 'status'>[];
  requireWhatsAppOptIn: boolean;
  quietHours: QuietHours | null;
  timeZone: string;
  now: Date;
  /** appointment.reminder: its slot, and whether a later reminder of the same slot is still to come. */
  reminder?: { slotStart: Date; laterReminderAhead: boolean };
}

/** The choices first (a channel opt-out holds even for critical events), then quiet hours. */
export function decide(p: PolicyInput): PolicyDecision {
  if (!p.forPatient) return { kind: 'send' };
  const consent = consentDecision(p);
  if (consent) return { kind: 'skip', reason: consent };
  if (p.critical || !p.quietHours) return { kind: 'send' };
  const end = quietUntil(p.quietHours, p.now, p.timeZone);
  if (!end) return { kind: 'send' };
  if (!p.reminder || end.getTime() < p.reminder.slotStart.getTime()) return { kind: 'hold', until: end };
  // A reminder whose window ends only once its slot has begun: holding it would bring it late.
  // If a later reminder of the slot is still to come, this one is pointless in the night; the
  // last one goes at once, since the patient must hear before the slot.
  return p.reminder.laterReminderAhead ? { kind: 'skip', reason: 'QUIET_HOURS' } : { kind: 'send' };
}

function consentDecision(p: PolicyInput): PolicySkip | null {
  const mine = p.choices.filter((c) => c.channel === p.channel);
  const channelChoice = mine.find((c) => c.category === null);
  const categoryChoice = mine.find((c) => c.category === p.category);
  if (channelChoice?.status === 'OPTED_OUT') return 'OPTED_OUT';
  if (categoryChoice?.status === 'OPTED_OUT' && !p.critical) return 'OPTED_OUT';
  if (
    p.channel === 'WHATSAPP' &&
    p.requireWhatsAppOptIn &&
    channelChoice?.status !== 'OPTED_IN' &&
    categoryChoice?.status !== 'OPTED_IN'
  )
    return 'NO_CONSENT';
  return null;
}

/** A daily window in minutes after local midnight; start > end crosses midnight. */
export interface QuietHours {
  start: number;
  end: number;
}

export function parseQuietHours(raw: string | undefined): QuietHours | null {
  const m = raw ? QUIET_HOURS_PATTERN.exec(raw.trim()) : null;
  if (!m) return null;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  return start === end ? null : { start, end };
}

/** Minutes (with fractions) after local midnight in `timeZone`. */
function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute') + get('second') / 60 + at.getUTCMilliseconds() / 60_000;
}

/**
 * When the window `at` falls in ends, or null when `at` is outside it. The end is found by
 * walking forward in local time, so it is exact except across a daylight-saving change inside
 * the window (then off by the change, at most an hour; most of our tenants' zones have none).
 */
export function quietUntil(q: QuietHours, at: Date, timeZone: string): Date | null {
  const now = localMinutes(at, timeZone);
  const inside = q.start < q.end ? now >= q.start && now < q.end : now >= q.start || now < q.end;
  if (!inside) return null;
  const minutesLeft = (q.end - now + 1440) % 1440;
  return new Date(at.getTime() + Math.round(minutesLeft * 60_000));
}

/** A usable IANA zone, else the fallback (a partner's typo must not stop a message). */
export function validTimeZone(zone: unknown, fallback: string): string {
  if (typeof zone !== 'string' || !zone) return fallback;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return fallback;
  }
}
