import { Decimal } from 'decimal.js';
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { withTenant, type TenantContext, type TenantScope } from '../db/tenant.js';
import { creditTransactions, deliveries, events } from '../schema/index.js';
import { deliveryFilterSql, type DeliveryFilter, type DeliveryRow } from './deliveries.service.js';
import { getTenant } from './tenants.service.js';

/** One exported delivery: what an operator's spreadsheet needs, nothing secret (no body). */
export interface ExportRow {
  seq: number;
  createdAt: Date;
  eventType: string;
  eventId: string;
  patientId: string | null;
  bookingReference: string | null;
  channel: DeliveryRow['channel'];
  recipient: string;
  status: DeliveryRow['status'];
  reason: string | null;
  /** WhatsApp only: the net of its ledger movements (debit less refund), as deliveryStats counts it. */
  cost: string | null;
}

export const EXPORT_PAGE_SIZE = 500;

/** The booking reference an event carries, if any (appointment events). */
export const bookingReferenceSql = sql<string | null>`${events.data}->'appointment'->>'bookingReference'`;

/** One page, newest first, strictly older than `beforeSeq` (keyset: no OFFSET, flat cost per page). */
export async function exportPage(
  scope: TenantScope,
  f: DeliveryFilter,
  beforeSeq: number | null,
  limit = EXPORT_PAGE_SIZE,
): Promise<ExportRow[]> {
  const rows = await scope.tx
    .select({
      seq: deliveries.seq,
      createdAt: deliveries.createdAt,
      eventType: deliveries.eventType,
      eventId: deliveries.eventId,
      patientId: deliveries.patientId,
      bookingReference: bookingReferenceSql,
      channel: deliveries.channel,
      recipient: deliveries.recipient,
      status: deliveries.status,
      reason: deliveries.reason,
      net: sql<
        string | null
      >`(select sum(${creditTransactions.amount}) from ${creditTransactions} where ${creditTransactions.deliveryId} = ${deliveries.id})`,
    })
    .from(deliveries)
    .leftJoin(events, and(eq(events.tenantId, deliveries.tenantId), eq(events.id, deliveries.eventId)))
    .where(and(deliveryFilterSql(f), beforeSeq !== null ? lt(deliveries.seq, beforeSeq) : undefined))
    .orderBy(desc(deliveries.seq))
    .limit(limit);
  return rows.map(({ net, ...r }) => ({
    ...r,
    cost: r.channel === 'WHATSAPP' && net !== null ? new Decimal(net).neg().toFixed() : null,
  }));
}

export interface ExportHeader {
  timezone: string;
  currency: string;
}

/** The tenant's time zone and currency, stated in the export's header. */
export function exportHeader(ctx: TenantContext): Promise<ExportHeader> {
  return withTenant(ctx, async (s) => {
    const t = await getTenant(s);
    return { timezone: t.timezone, currency: t.currency };
  });
}

/**
 * Every delivery the filter matches, page by page, each page in its own short transaction (a
 * large export never holds one open, and memory stays one page). Rows created after the export
 * started are not included: it walks down from the newest row it saw first.
 */
export async function* exportDeliveries(
  ctx: TenantContext,
  f: DeliveryFilter,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<ExportRow[]> {
  let before: number | null = null;
  for (;;) {
    const after: number | null = before;
    const page: ExportRow[] = await withTenant(ctx, (s) => exportPage(s, f, after, pageSize));
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    before = page[page.length - 1]!.seq;
  }
}

/** Booking references of many events in one statement (the GraphQL dataloader batches through this). */
export async function bookingReferences(
  scope: TenantScope,
  eventIds: readonly string[],
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>(eventIds.map((id) => [id, null]));
  if (eventIds.length === 0) return out;
  const rows = await scope.tx
    .select({ id: events.id, ref: bookingReferenceSql })
    .from(events)
    .where(inArray(events.id, [...eventIds]));
  for (const r of rows) out.set(r.id, r.ref ?? null);
  return out;
}
