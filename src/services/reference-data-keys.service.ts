// Every reference-data key Kabar reads, with what it means, its default and the values it
// accepts: setReferenceData rejects anything else, so a typo cannot silently switch a feature off.

export interface ReferenceDataKeyInfo {
  key: string;
  description: string;
  /** What Kabar does when the tenant has not set it (null: off / none). */
  defaultValue: string | null;
  /** A problem with the value, said for the person who typed it; null when it is valid. */
  check(value: string): string | null;
}

export const WHATSAPP_SWITCH = 'WhatsApp_Notification';
export const WHATSAPP_REQUIRE_OPT_IN = 'WhatsApp_Require_OptIn';
export const QUIET_HOURS_KEY = 'Quiet_Hours';
export const PRIVATE_PREVIEWS_KEY = 'Private_Previews';
export const REMINDER_OFFSETS_KEY = 'Reminder_Offsets_Minutes';
export const WALKIN_THRESHOLD_KEY = 'Walkin_Approaching_Threshold';

const onOff = (key: string) => (v: string) => (/^[01]$/.test(v) ? null : `${key} must be "1" (on) or "0" (off)`);

/** `HH:MM-HH:MM` (may cross midnight), or empty for none. */
export const QUIET_HOURS_PATTERN = /^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$/;

export const REFERENCE_DATA_KEYS: readonly ReferenceDataKeyInfo[] = [
  {
    key: WHATSAPP_SWITCH,
    description: 'Feature switch: "1" sends WhatsApp messages, "0" or unset skips them (WHATSAPP_DISABLED).',
    defaultValue: '0',
    check: onOff(WHATSAPP_SWITCH),
  },
  {
    key: WHATSAPP_REQUIRE_OPT_IN,
    description:
      '"1": a WhatsApp message goes only to a patient who opted in to WhatsApp (Meta\'s policy for business-initiated messages); others are skipped NO_CONSENT.',
    defaultValue: '0',
    check: onOff(WHATSAPP_REQUIRE_OPT_IN),
  },
  {
    key: QUIET_HOURS_KEY,
    description:
      'HH:MM-HH:MM in each centre\'s time zone (else the tenant\'s), may cross midnight, e.g. "21:00-07:00"; empty = none. Non-critical patient messages inside it wait until it ends.',
    defaultValue: '',
    check: (v) =>
      v === '' || (QUIET_HOURS_PATTERN.test(v) && v.slice(0, 5) !== v.slice(6))
        ? null
        : `${QUIET_HOURS_KEY} must be HH:MM-HH:MM (24-hour, start different from end), or empty for none`,
  },
  {
    key: PRIVATE_PREVIEWS_KEY,
    description:
      '"1": push and SMS texts of clinical events say only that the hospital has a message and where to read it (lock-screen safe).',
    defaultValue: '0',
    check: onOff(PRIVATE_PREVIEWS_KEY),
  },
  {
    key: REMINDER_OFFSETS_KEY,
    description: 'Minutes before the slot at which appointment reminders go, comma-separated, each 1 to 86400.',
    defaultValue: '1440,120,30',
    check: (v) =>
      v.split(',').every((x) => /^\s*[0-9]+\s*$/.test(x) && Number(x) >= 1 && Number(x) <= 86_400)
        ? null
        : `${REMINDER_OFFSETS_KEY} must be whole minutes between 1 and 86400, comma-separated, e.g. "1440,120,30"`,
  },
  {
    key: WALKIN_THRESHOLD_KEY,
    description: 'Queue position at which walkin.approaching_turn fires (once per token).',
    defaultValue: '3',
    check: (v) => (/^[0-9]{1,4}$/.test(v) ? null : `${WALKIN_THRESHOLD_KEY} must be a whole number from 0 to 9999`),
  },
];

const BY_KEY = new Map(REFERENCE_DATA_KEYS.map((k) => [k.key, k]));

export function referenceDataKey(key: string): ReferenceDataKeyInfo | undefined {
  return BY_KEY.get(key);
}
