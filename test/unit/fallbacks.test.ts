import { describe, expect, it } from 'vitest';
import { fallbackFor, type FallbackRuleLike } from '../../src/services/fallbacks.service.js';

type Rule = FallbackRuleLike & { name: string };
const rule = (
  name: string,
  eventPattern: string,
  fromChannel: Rule['fromChannel'] = 'WHATSAPP',
  active = true,
): Rule => ({ name, eventPattern, fromChannel, active });

describe('fallbackFor', () => {
  const all = rule('all', '*');
  const appointments = rule('appointments', 'appointment.*');
  const reminder = rule('reminder', 'appointment.reminder');

  it('an exact event type beats a prefix pattern, which beats "*", whatever their order', () => {
    for (const rules of [
      [all, appointments, reminder],
      [reminder, appointments, all],
      [appointments, reminder, all],
    ]) {
      expect(fallbackFor(rules, 'appointment.reminder', 'WHATSAPP')?.name).toBe('reminder');
      expect(fallbackFor(rules, 'appointment.confirmed', 'WHATSAPP')?.name).toBe('appointments');
      expect(fallbackFor(rules, 'report.ready', 'WHATSAPP')?.name).toBe('all');
    }
  });

  it('only the rules from the given channel, and only active ones, apply', () => {
    const rules = [all, rule('sms exact', 'report.ready', 'SMS'), rule('off', 'appointment.*', 'WHATSAPP', false)];
    expect(fallbackFor(rules, 'report.ready', 'SMS')?.name).toBe('sms exact');
    expect(fallbackFor(rules, 'report.ready', 'EMAIL')).toBeNull();
    // The inactive prefix rule does not shadow "*".
    expect(fallbackFor(rules, 'appointment.confirmed', 'WHATSAPP')?.name).toBe('all');
    expect(fallbackFor([rule('off', '*', 'WHATSAPP', false)], 'report.ready', 'WHATSAPP')).toBeNull();
  });

  it('no rule applies to a staff or admin event, nor to an unknown type, even with "*"', () => {
    expect(fallbackFor([all], 'lab.test_requested', 'WHATSAPP')).toBeNull();
    expect(fallbackFor([all], 'credit.purchase_status', 'WHATSAPP')).toBeNull();
    expect(fallbackFor([all], 'no.such_event', 'WHATSAPP')).toBeNull();
    expect(fallbackFor([], 'report.ready', 'WHATSAPP')).toBeNull();
  });

  it('returns the rule object it was given', () => {
    expect(fallbackFor([reminder], 'appointment.reminder', 'WHATSAPP')).toBe(reminder);
  });
});
