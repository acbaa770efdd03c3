import { and, asc, count, desc, eq, gte, ilike, inArray, like, lt, lte, or, sql } from 'drizzle-orm';
import { deliveries, deliveryStatusHistory, events } from '../schema/index.js';
import { InvalidStateTransitionError, NotFoundError } from '../domain-errors.js';
import { recordReportAtCommit } from './delivery-status.service.js';
import type { TenantScope } from '../db/tenant.js';
import type { Bus, DeliveryStatusPayload } from '../events/bus.js';
import { isId } from '../validation.js';
import { audit } from './audit.service.js';
import { rechargeForRetry } from './credits.service.js';
import { decodeCursor, pageOf, type Page, type PageArgs } from './pagination.service.js';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type HistoryRow = typeof deliveryStatusHistory.$inferSelect;

export interface DeliveryFilter {
  eventId?: string | null;
  eventType?: string | null;
  channel?: DeliveryRow['channel'] | null;
  status?: DeliveryRow['status'] | null;
  recipient?: string | null;
  since?: Date | null;
  until?: Date | null;
  reason?: string | null;
  patientId?: string | null;
  search?: string | null;
}

/** A LIKE pattern matching `term` literally, anywhere. */
const containing = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * One box for an operator: the recipient (case-insensitive substring), or exactly an event id,
 * a patient id, or the booking reference of the delivery's event. The exact ones use the
 * (tenant, event id) and (tenant, patient id) indexes; the booking reference reads the events.
 */
function searchSql(term: string) {
  const bookedAs = sql`${deliveries.eventId} in (select ${events.id} from ${events} where ${events.data}->'appointment'->>'bookingReference' = ${term})`;
  return or(
    ilike(deliveries.recipient, containing(term)),
    eq(deliveries.eventId, term),
    eq(deliveries.patientId, term),
    bookedAs,
  );
}

/**
 * The exact reason, or a reason group's code (what deliveryStats.byReason counts): every reason
 * that starts with "CODE:" or "CODE (" too, so a byReason key filters to the deliveries it counted.
 */
function reasonSql(reason: string) {
  const code = reason.replace(/[\\%_]/g, (c) => `\\${c}`);
  return or(eq(deliveries.reason, reason), like(deliveries.reason, `${code}:%`), like(deliveries.reason, `${code} (%`));
}

function filterSql(f: DeliveryFilter) {
  const search = f.search?.trim();
  return and(
    f.eventId ? eq(deliveries.eventId, f.eventId) : undefined,
    f.eventType ? eq(deliveries.eventType, f.eventType) : undefined,
    f.channel ? eq(deliveries.channel, f.channel) : undefined,
    f.status ? eq(deliveries.status, f.status) : undefined,
    f.recipient ? eq(deliveries.recipient, f.recipient) : undefined,
    f.since ? gte(deliveries.createdAt, f.since) : undefined,
    f.until ? lte(deliveries.createdAt, f.until) : undefined,
    f.reason ? reasonSql(f.reason) : undefined,
    f.patientId ? eq(deliveries.patientId, f.patientId) : undefined,
    search ? searchSql(search) : undefined,
  );
}

/** Newest first, with the total matching the filter (not just this page). */
export async function listDeliveries(
  scope: TenantScope,
  f: DeliveryFilter,
  page: PageArgs,
): Promise<Page<DeliveryRow> & { totalCount: number }> {
  const after = decodeCursor(page.after);
  const where = filterSql(f);
  const rows = await scope.tx
    .select()
    .from(deliveries)
    .where(and(where, after !== null ? lt(deliveries.seq, after) : undefined))
    .orderBy(desc(deliveries.seq))
    .limit(page.first + 1);
  const [total] = await scope.tx.select({ n: count() }).from(deliveries).where(where);
  return { ...pageOf(rows, page.first, (r) => r.seq), totalCount: Number(total?.n ?? 0) };
}

export async function getDelivery(scope: TenantScope, id: string): Promise<DeliveryRow | undefined> {
  if (!isId(id)) return undefined;
  const [row] = await scope.tx.select().from(deliveries).where(eq(deliveries.id, id));
  return row;
}

/** History of many deliveries in one statement (the GraphQL dataloader batches through this). */
export async function historyFor(scope: TenantScope, ids: readonly string[]): Promise<Map<string, HistoryRow[]>> {
  const out = new Map<string, HistoryRow[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows = await scope.tx
    .select()
    .from(deliveryStatusHistory)
    .where(inArray(deliveryStatusHistory.deliveryId, [...ids]))
    .orderBy(asc(deliveryStatusHistory.id));
  for (const r of rows) out.get(r.deliveryId)?.push(r);
  return out;
}

/**
 * A FAILED delivery goes back to QUEUED for the dispatcher to send again; its WhatsApp debit,
 * if any, is reused rather than charged twice. Any other status cannot be retried.
 */
export async function retryDelivery(scope: TenantScope, id: string, bus?: Bus): Promise<DeliveryRow> {
  const current = await getDelivery(scope, id);
  if (!current) throw new NotFoundError('Delivery', id);
  const now = new Date();
  const [row] = await scope.tx
    .update(deliveries)
    // Due now: the dispatcher's retry sweep sends it.
    .set({ status: 'QUEUED', reason: null, updatedAt: now, nextAttemptAt: now, sendingSince: null, attempts: 0 })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'FAILED')))
    .returning();
  if (!row) throw new InvalidStateTransitionError('Delivery', current.status, 'QUEUED');
  if (row.channel === 'WHATSAPP') await rechargeForRetry(scope, id, bus);
  recordReportAtCommit(scope, id, 'QUEUED', 'retry requested', now);
  await audit(scope, {
    action: 'delivery.retry',
    entityType: 'delivery',
    entityId: id,
    details: { previousReason: current.reason },
  });
  if (bus) {
    const payload = statusPayload(row);
    scope.afterCommit(() => bus.publish('delivery.status', payload));
  }
  return row;
}

/** A delivery's change as subscribers and kabar.delivery-status see it. */
export function statusPayload(row: Omit<DeliveryRow, 'seq'>): DeliveryStatusPayload {
  const {
    id,
    tenantId,
    eventId,
    eventType,
    channel,
    recipient,
    recipientKind,
    language,
    status,
    reason,
    providerMessageId,
    cost,
    renderedBody,
    createdAt,
    updatedAt,
    patientId,
    fallbackOf,
    deferredUntil,
    attempts,
  } = row;
  const delivery = {
    id,
    tenantId,
    eventId,
    eventType,
    channel,
    recipient,
    recipientKind,
    language,
    status,
    reason,
    providerMessageId,
    cost,
    renderedBody,
    createdAt,
    updatedAt,
    patientId,
    fallbackOf,
    deferredUntil,
    attempts,
  };
  return { tenantId, deliveryId: id, eventId, eventType, channel, status, reason, at: updatedAt, delivery };
}

/** The filter's condition, for the use cases that act on what a filter matches (resend). */
export const deliveryFilterSql = (f: DeliveryFilter) => filterSql(f);

export async function countDeliveries(scope: TenantScope, f: DeliveryFilter): Promise<number> {
  const [total] = await scope.tx.select({ n: count() }).from(deliveries).where(filterSql(f));
  return Number(total?.n ?? 0);
}
