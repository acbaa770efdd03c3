// Event categories: what a patient mutes with one choice. Kept apart from catalogue.ts so that
// the JSON Schemas (schemas.ts, imported by the catalogue) can name them without an import cycle.

/** Each event type's category, by type or prefix; the first match wins. */
const CATEGORY_BY_PREFIX: readonly [string, string][] = [
  ['appointment.reminder', 'reminders'],
  ['appointment.', 'appointments'],
  ['doctor.', 'appointments'],
  ['walkin.', 'queue'],
  ['prescription.', 'clinical'],
  ['report.', 'clinical'],
  ['lab.', 'clinical'],
  ['patient.', 'account'],
  ['billing.', 'billing'],
  ['package.', 'packages'],
  ['credit.', 'credit'],
  ['whatsapp.', 'templates'],
];

export function categoryOf(type: string): string {
  return CATEGORY_BY_PREFIX.find(([prefix]) => type === prefix || type.startsWith(prefix))?.[1] ?? 'other';
}

/**
 * Every category an event type of the catalogue has (a unit test holds them equal): the only
 * values a patient's category choice may take, so a typo never records a choice that mutes nothing.
 */
export const EVENT_CATEGORIES: readonly string[] = [...new Set(CATEGORY_BY_PREFIX.map(([, c]) => c))];
