import type { LanguageCode } from '../events/catalogue.js';

// How a variable's value reads in each language: dates and times in the centre's zone, money
// with the digits the partner sent, offsets in words, enumerated values as labels.

const LOCALES: Record<LanguageCode, string> = { ID: 'id-ID', EN: 'en-GB', FR: 'fr-FR' };

export const LABELS: Record<string, Record<LanguageCode, Record<string, string>>> = {
  paymentStatus: {
    ID: { paid: 'lunas', unpaid: 'belum dibayar', not_required: 'tanpa pembayaran', refunded: 'dikembalikan' },
    EN: { paid: 'paid', unpaid: 'unpaid', not_required: 'no payment required', refunded: 'refunded' },
    FR: { paid: 'payé', unpaid: 'non payé', not_required: 'aucun paiement requis', refunded: 'remboursé' },
  },
  purchaseStatus: {
    ID: { pending: 'menunggu konfirmasi', paid: 'lunas', failed: 'gagal', cancelled: 'dibatalkan' },
    EN: { pending: 'pending confirmation', paid: 'paid', failed: 'failed', cancelled: 'cancelled' },
    FR: { pending: 'en attente de confirmation', paid: 'payé', failed: 'échoué', cancelled: 'annulé' },
  },
  cancelledBy: {
    ID: { patient: 'pasien', staff: 'petugas', system: 'sistem' },
    EN: { patient: 'patient', staff: 'staff', system: 'system' },
    FR: { patient: 'patient', staff: 'personnel', system: 'système' },
  },
  priority: {
    ID: { routine: 'rutin', urgent: 'cito' },
    EN: { routine: 'routine', urgent: 'urgent' },
    FR: { routine: 'routine', urgent: 'urgent' },
  },
};

const UNITS: Record<LanguageCode, { h: [string, string]; m: [string, string] }> = {
  ID: { h: ['jam', 'jam'], m: ['menit', 'menit'] },
  EN: { h: ['hour', 'hours'], m: ['minute', 'minutes'] },
  FR: { h: ['heure', 'heures'], m: ['minute', 'minutes'] },
};

/** "24 jam", "30 minutes", "1 heure 30 minutes". */
export function formatOffset(minutes: number, language: LanguageCode): string {
  const u = UNITS[language];
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const part = (n: number, [one, many]: [string, string]) => `${n} ${n === 1 ? one : many}`;
  return [h ? part(h, u.h) : '', m || !h ? part(m, u.m) : ''].filter(Boolean).join(' ');
}

/** Money from a decimal string, keeping the digits the partner sent (no float rounding). */
export function formatMoney(amount: string, currency: string, language: LanguageCode): string {
  const digits = Math.min((amount.split('.')[1] ?? '').length, 20);
  try {
    const fmt = cached(
      `n:${language}:${currency}:${digits}`,
      () =>
        new Intl.NumberFormat(LOCALES[language], {
          style: 'currency',
          currency,
          minimumFractionDigits: digits,
          maximumFractionDigits: digits,
        }),
    );
    // Intl accepts decimal strings exactly; the cast is for older lib typings.
    return fmt.format(amount as unknown as number);
  } catch {
    return `${currency} ${amount}`;
  }
}

// Building an Intl formatter costs far more than using one: keep them (a few hundred at most).
const formatters = new Map<string, unknown>();
function cached<T>(key: string, make: () => T): T {
  if (formatters.has(key)) return formatters.get(key) as T;
  const value = make();
  // Keys come partly from event data (time zones): never let a partner grow this without bound.
  if (formatters.size < 2_000) formatters.set(key, value);
  return value;
}

export function validTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || !tz) return false;
  return cached(`tz:${tz}`, () => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  });
}

export function formatDateTime(iso: string, kind: 'date' | 'time', language: LanguageCode, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // Without a known zone, show the wall time of the offset the partner sent.
  const zone = timeZone ?? /([+-]\d{2}:\d{2})$/.exec(iso)?.[1] ?? 'UTC';
  const opts: Intl.DateTimeFormatOptions =
    kind === 'date'
      ? { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: zone }
      : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone };
  return cached(`d:${kind}:${language}:${zone}`, () => new Intl.DateTimeFormat(LOCALES[language], opts)).format(d);
}
