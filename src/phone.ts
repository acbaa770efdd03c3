import { getExampleNumber, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';

// Phone numbers as people write them: E.164 ("+6281234567890"), or national in the tenant's
// country ("081234567890", "0812-3456-7890", "(021) 555-0123"). Kabar stores and sends E.164.

/** What a phone may look like before its country is known: digits, an optional leading "+", separators. */
export const PHONE_SHAPE = '^\\+?[0-9(][0-9 ().-]{4,24}$';
const SHAPE = new RegExp(PHONE_SHAPE);
const E164 = /^\+[1-9][0-9]{6,14}$/;

/** Whether `value` looks like a phone number at all (the event schemas' check, before the tenant is known). */
export function looksLikePhone(value: string): boolean {
  return SHAPE.test(value.trim());
}

/**
 * `value` as E.164, reading a national number in `country` (ISO 3166-1 alpha-2); null when it
 * is no possible number there. An E.164 number keeps its own country.
 */
export function toE164(value: string, country?: string | null): string | null {
  const text = value.trim();
  if (!SHAPE.test(text)) return null;
  const defaultCountry = country && isSupportedCountry(country) ? country : undefined;
  // Without a country only the international form can be read.
  if (!defaultCountry && !text.startsWith('+')) return null;
  const parsed = parsePhoneNumberFromString(text, defaultCountry ? { defaultCountry } : undefined);
  // E.164 allows at most 15 digits; libphonenumber calls some longer national forms possible.
  return parsed?.isPossible() && E164.test(parsed.number) ? parsed.number : null;
}

/** Two examples, international and national, for the country (Indonesia's when it has none). */
export function phoneExamples(country?: string | null): string {
  const own = country && country !== 'ID' && isSupportedCountry(country);
  const example = own ? getExampleNumber(country, examples) : undefined;
  if (!example) return '+6281234567890 or 081234567890';
  return `${example.number} or ${example.formatNational().replace(/[^0-9]/g, '')}`;
}

/** The sentence a bad phone gets, without the field: "must be a phone number, e.g. +6281234567890 or 081234567890". */
export function phoneProblem(country?: string | null): string {
  return `must be a phone number, e.g. ${phoneExamples(country)}`;
}
