import { Decimal } from 'decimal.js';
import { ValidationError, type FieldProblem } from './domain-errors.js';
import { phoneProblem, toE164 } from './phone.js';

// Input rules shared by every service. Each throws ValidationError naming the field; a service
// runs them through `Checks` to report every invalid field at once.

/**
 * Collects the problems of several checks: `check` runs one and returns its value (undefined,
 * typed as the value, when it failed: `done` throws before anything can use it).
 */
export class Checks {
  private readonly problems: FieldProblem[] = [];

  check<T>(run: () => T): T {
    try {
      return run();
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      this.problems.push(...err.fields);
      return undefined as T;
    }
  }

  /** Records a problem found without a check function. */
  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /** Throws one ValidationError listing every problem, if there is any. */
  done(): void {
    if (this.problems.length) throw new ValidationError(this.problems);
  }
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** A phone as E.164: international, or national in `country` (the tenant's), e.g. "081234567890" in "ID". */
export function checkPhone(field: string, value: string, country?: string | null): string {
  const e164 = toE164(value, country);
  if (!e164) throw new ValidationError(field, `${field} ${phoneProblem(country)}`);
  return e164;
}

export function checkCountry(field: string, value: string): string {
  // ISO 3166-1 alpha-2: two letters that the ICU region table knows (user-assigned XA..XZ are not countries).
  if (!/^[A-Z]{2}$/.test(value) || regionNames.of(value) === value || /^X[A-Z]$|^Q[M-Z]$|^ZZ$/.test(value)) {
    throw new ValidationError(field, `${field} must be an ISO 3166-1 alpha-2 country code such as "ID"`);
  }
  return value;
}

export function checkCurrency(field: string, value: string): string {
  if (!/^[A-Z]{3}$/.test(value) || !CURRENCIES.has(value)) {
    throw new ValidationError(field, `${field} must be an ISO 4217 currency code such as "IDR"`);
  }
  return value;
}

export function checkTimeZone(field: string, value: string): string {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone && value;
  } catch {
    throw new ValidationError(field, `${field} must be an IANA time zone such as "Asia/Jakarta"`);
  }
}

export function checkEmail(field: string, value: string): string {
  if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(value) || value.length > 254) {
    throw new ValidationError(field, `${field} must be an email address`);
  }
  return value.trim();
}

// ISO 4217 minor units where they are not 2 (ICU's table follows CLDR, which rounds IDR to 0
// digits, while WhatsApp's rate card prices IDR with 2 decimals).
const MINOR_UNITS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

/** ISO 4217 minor units: IDR 2, JPY 0, KWD 3. */
export function currencyDigits(currency: string): number {
  return MINOR_UNITS[currency] ?? 2;
}

/** A positive amount with no more decimals than the currency allows; returned normalised. */
export function checkMoney(field: string, value: string, currency: string): string {
  const text = value.trim();
  if (/^-\s*\d+(\.\d+)?$/.test(text)) {
    throw new ValidationError(field, `${field} must not be negative (it is ${text.slice(0, 30)})`);
  }
  if (!/^\d+(\.\d+)?$/.test(text)) {
    const how = 'a number written with digits and at most one ".", such as "1250.50"';
    throw new ValidationError(field, `${field} must be ${how} (no sign, exponent or thousands separator)`);
  }
  const amount = new Decimal(text);
  if (amount.isZero()) throw new ValidationError(field, `${field} must be greater than zero`);
  const digits = currencyDigits(currency);
  if (amount.decimalPlaces() > digits) {
    throw new ValidationError(field, `${field} has more than ${digits} decimal places, the precision of ${currency}`);
  }
  if (amount.gte('1e15')) throw new ValidationError(field, `${field} is too large (at most 999999999999999)`);
  return amount.toFixed();
}

export function checkNonEmpty(field: string, value: string, max = 200): string {
  const v = value.trim();
  if (!v) throw new ValidationError(field, `${field} must not be empty`);
  if (v.length > max) throw new ValidationError(field, `${field} must be at most ${max} characters`);
  return v;
}

/** Money as the API shows it: the exact decimal, trailing zeros of numeric(20,4) removed. */
export function formatMoney(value: string): string {
  return new Decimal(value).toFixed();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Kabar's ids are UUIDs: anything else cannot name an existing record. */
export function isId(value: string): boolean {
  return UUID.test(value);
}
