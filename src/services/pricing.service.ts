import { and, asc, desc, eq } from 'drizzle-orm';
import { whatsAppPrices } from '../schema/index.js';
import type { PlatformScope, TenantScope } from '../db/tenant.js';
import { Checks, checkCountry, checkCurrency, checkMoney } from '../validation.js';
import { auditPlatform } from './audit.service.js';

export type PriceRow = typeof whatsAppPrices.$inferSelect;
export type WhatsAppCategory = PriceRow['category'];

export interface PriceInput {
  country: string;
  currency: string;
  category: WhatsAppCategory;
  pricePerMessage: string;
  effectiveFrom: Date;
}

/** A new price is always a new row; an existing (country, currency, category, date) is a CONFLICT. */
export async function setWhatsAppPrice(scope: PlatformScope, input: PriceInput): Promise<PriceRow> {
  const c = new Checks();
  const currency = c.check(() => checkCurrency('input.currency', input.currency));
  const values = {
    country: c.check(() => checkCountry('input.country', input.country)),
    currency,
    category: input.category,
    // The precision is the currency's: unknown while the currency is invalid (ISO 4217's default, 2, then).
    pricePerMessage: c.check(() => checkMoney('input.pricePerMessage', input.pricePerMessage, currency ?? 'XXX')),
    effectiveFrom: input.effectiveFrom,
    createdBy: scope.actor,
  };
  if (Number.isNaN(values.effectiveFrom.getTime()))
    c.add('input.effectiveFrom', 'input.effectiveFrom is not a valid date');
  c.done();
  const [row] = await scope.tx.insert(whatsAppPrices).values(values).returning();
  await auditPlatform(scope, {
    action: 'pricing.set',
    entityType: 'whatsapp_price',
    entityId: row!.id,
    details: { ...values, effectiveFrom: values.effectiveFrom.toISOString() },
  });
  return row!;
}

type AnyScope = TenantScope | PlatformScope;

export async function listWhatsAppPrices(
  scope: AnyScope,
  country?: string | null,
  currency?: string | null,
): Promise<PriceRow[]> {
  const where = and(
    country ? eq(whatsAppPrices.country, country) : undefined,
    currency ? eq(whatsAppPrices.currency, currency) : undefined,
  );
  return scope.tx
    .select()
    .from(whatsAppPrices)
    .where(where)
    .orderBy(
      asc(whatsAppPrices.country),
      asc(whatsAppPrices.currency),
      asc(whatsAppPrices.category),
      desc(whatsAppPrices.effectiveFrom),
    );
}

/** The latest price whose effective date has come (at `at`, default now). */
export async function effectiveWhatsAppPrice(
  scope: AnyScope,
  country: string,
  currency: string,
  category: WhatsAppCategory,
  at: Date = new Date(),
): Promise<PriceRow | null> {
  return priceAt(
    await priceSchedule(scope, checkCountry('country', country), checkCurrency('currency', currency), category, at),
    at,
  );
}

/**
 * The price in force at `from` and every later one already set, newest first: a cached copy
 * (the dispatcher's) then stays right when a future price comes into force. See priceAt.
 */
export async function priceSchedule(
  scope: AnyScope,
  country: string,
  currency: string,
  category: WhatsAppCategory,
  from: Date,
): Promise<PriceRow[]> {
  const rows = await scope.tx
    .select()
    .from(whatsAppPrices)
    .where(
      and(
        eq(whatsAppPrices.country, country),
        eq(whatsAppPrices.currency, currency),
        eq(whatsAppPrices.category, category),
      ),
    )
    .orderBy(desc(whatsAppPrices.effectiveFrom));
  const current = rows.findIndex((r) => r.effectiveFrom <= from);
  return current < 0 ? rows : rows.slice(0, current + 1);
}

/** The price of a schedule (newest first) in force at `at`. */
export function priceAt(schedule: PriceRow[], at: Date): PriceRow | null {
  return schedule.find((r) => r.effectiveFrom <= at) ?? null;
}
