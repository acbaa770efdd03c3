import { describe, expect, it } from 'vitest';
import { decide, parseQuietHours, quietUntil, type PolicyInput } from '../../src/services/policy.service.js';

const JAKARTA = 'Asia/Jakarta'; // UTC+7, no daylight saving
/** An instant given as Jakarta local time on 2026-12-03. */
const jkt = (hhmm: string, day = 3) => new Date(`2026-12-${String(day).padStart(2, '0')}T${hhmm}:00+07:00`);

const base: PolicyInput = {
  channel: 'WHATSAPP',
  forPatient: true,
  category: 'appointments',
  critical: false,
  choices: [],
  requireWhatsAppOptIn: false,
  quietHours: null,
  timeZone: JAKARTA,
  now: jkt('12:00'),
};
const out = (channel: 'WHATSAPP' | 'SMS', category: string | null = null) => ({
  channel,
  category,
  status: 'OPTED_OUT' as const,
});
const inn = (channel: 'WHATSAPP' | 'SMS', category: string | null = null) => ({
  channel,
  category,
  status: 'OPTED_IN' as const,
});

describe('choices', () => {
  it('a channel opt-out skips every message on that channel, critical ones too, and no other channel', () => {
    expect(decide({ ...base, choices: [out('WHATSAPP')] })).toEqual({ kind: 'skip', reason: 'OPTED_OUT' });
    expect(decide({ ...base, critical: true, choices: [out('WHATSAPP')] })).toEqual({
      kind: 'skip',
      reason: 'OPTED_OUT',
    });
    expect(decide({ ...base, channel: 'SMS', choices: [out('WHATSAPP')] })).toEqual({ kind: 'send' });
  });

  it('a category opt-out skips that category on that channel, unless the event is critical', () => {
    expect(decide({ ...base, choices: [out('WHATSAPP', 'appointments')] })).toEqual({
      kind: 'skip',
      reason: 'OPTED_OUT',
    });
    expect(decide({ ...base, critical: true, choices: [out('WHATSAPP', 'appointments')] })).toEqual({ kind: 'send' });
    expect(decide({ ...base, category: 'clinical', choices: [out('WHATSAPP', 'appointments')] })).toEqual({
      kind: 'send',
    });
  });

  it('opt-in required: WhatsApp needs a channel or category opt-in; other channels do not', () => {
    const required = { ...base, requireWhatsAppOptIn: true };
    expect(decide(required)).toEqual({ kind: 'skip', reason: 'NO_CONSENT' });
    expect(decide({ ...required, choices: [inn('WHATSAPP')] })).toEqual({ kind: 'send' });
    expect(decide({ ...required, choices: [inn('WHATSAPP', 'appointments')] })).toEqual({ kind: 'send' });
    expect(decide({ ...required, choices: [inn('WHATSAPP', 'clinical')] })).toEqual({
      kind: 'skip',
      reason: 'NO_CONSENT',
    });
    expect(decide({ ...required, channel: 'SMS' })).toEqual({ kind: 'send' });
  });

  it("staff messages are not the patient's to choose", () => {
    expect(
      decide({
        ...base,
        forPatient: false,
        requireWhatsAppOptIn: true,
        choices: [out('WHATSAPP')],
        quietHours: parseQuietHours('00:00-23:59'),
      }),
    ).toEqual({ kind: 'send' });
  });
});

describe('quiet hours', () => {
  const night = parseQuietHours('21:00-07:00')!;
  it('parses HH:MM-HH:MM, rejects anything else', () => {
    expect(night).toEqual({ start: 21 * 60, end: 7 * 60 });
    for (const bad of ['', '21:00', '25:00-07:00', '21:00-21:00', '9:00-10:00'])
      expect(parseQuietHours(bad)).toBeNull();
  });

  it('finds the window end across midnight, at its edges', () => {
    expect(quietUntil(night, jkt('20:59'), JAKARTA)).toBeNull();
    expect(quietUntil(night, jkt('21:00'), JAKARTA)).toEqual(jkt('07:00', 4));
    expect(quietUntil(night, jkt('23:30'), JAKARTA)).toEqual(jkt('07:00', 4));
    expect(quietUntil(night, jkt('06:59'), JAKARTA)).toEqual(jkt('07:00'));
    expect(quietUntil(night, jkt('07:00'), JAKARTA)).toBeNull();
    const day = parseQuietHours('12:00-13:00')!;
    expect(quietUntil(day, jkt('12:30'), JAKARTA)).toEqual(jkt('13:00'));
    expect(quietUntil(day, jkt('13:00'), JAKARTA)).toBeNull();
  });

  it('applies in the given time zone', () => {
    // 23:00 in Jakarta is 17:00 in Paris: quiet in one, not in the other.
    expect(quietUntil(night, jkt('23:00'), 'Europe/Paris')).toBeNull();
    expect(quietUntil(night, jkt('23:00'), JAKARTA)).toEqual(jkt('07:00', 4));
  });

  it('holds a non-critical message until the end; critical ones go at once; choices come first', () => {
    const at = { ...base, quietHours: night, now: jkt('22:00') };
    expect(decide(at)).toEqual({ kind: 'hold', until: jkt('07:00', 4) });
    expect(decide({ ...at, critical: true })).toEqual({ kind: 'send' });
    expect(decide({ ...at, choices: [out('WHATSAPP')] })).toEqual({ kind: 'skip', reason: 'OPTED_OUT' });
  });
});

describe('a reminder inside quiet hours', () => {
  const at = { ...base, category: 'reminders', quietHours: parseQuietHours('21:00-07:00')!, now: jkt('06:00') };
  it('is held when the window ends before its slot', () => {
    expect(decide({ ...at, reminder: { slotStart: jkt('07:01'), laterReminderAhead: true } })).toEqual({
      kind: 'hold',
      until: jkt('07:00'),
    });
  });
  it('never arrives at or after its slot: the last one goes at once', () => {
    expect(decide({ ...at, reminder: { slotStart: jkt('07:00'), laterReminderAhead: false } })).toEqual({
      kind: 'send',
    });
    expect(decide({ ...at, reminder: { slotStart: jkt('06:30'), laterReminderAhead: false } })).toEqual({
      kind: 'send',
    });
  });
  it('is skipped (QUIET_HOURS) when a later reminder of the same slot is still to come', () => {
    expect(decide({ ...at, reminder: { slotStart: jkt('06:30'), laterReminderAhead: true } })).toEqual({
      kind: 'skip',
      reason: 'QUIET_HOURS',
    });
  });
  it('outside the window, goes as usual', () => {
    expect(
      decide({ ...at, now: jkt('07:00'), reminder: { slotStart: jkt('07:30'), laterReminderAhead: true } }),
    ).toEqual({ kind: 'send' });
  });
});
