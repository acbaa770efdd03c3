import { Decimal } from 'decimal.js';
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { creditTransactions, deliveries } from '../schema/index.js';
import type { TenantScope } from '../db/tenant.js';
import { deliveryFilterSql, type DeliveryFilter, type DeliveryRow } from './deliveries.service.js';

export interface DeliveryCount {
  key: string;
  count: number;
}

export interface DeliveryStats {
  total: number;
  byStatus: DeliveryCount[];
  byChannel: DeliveryCount[];
  byReason: DeliveryCount[];
  /** What the matching WhatsApp deliveries cost, net of refunds (the credit ledger's movements, negated). */
  whatsAppCost: string;
}

const STATUSES: DeliveryRow['status'][] = ['QUEUED', 'SENT', 'DELIVERED', 'READ', 'FAILED', 'SKIPPED'];
const CHANNELS: DeliveryRow['channel'][] = ['WHATSAPP', 'EMAIL', 'SMS', 'PUSH'];

/**
 * A reason's group: its leading code, the text before the first ':' or ' (' (trimmed).
 * "MISSING_VARIABLE: patient.name" and "NO_TEMPLATE: report.ready SMS EN" count as
 * MISSING_VARIABLE and NO_TEMPLATE; codes without details (OPTED_OUT, INSUFFICIENT_CREDIT) stay
 * as they are; a provider's "attempt 2 failed (HTTP 500)" counts as "attempt 2 failed".
 * Literal SQL only (no parameters), so GROUP BY can repeat the very same expression.
 */
export const reasonGroupSql = sql<
  string | null
>`nullif(btrim(split_part(split_part(${deliveries.reason}, ':', 1), ' (', 1)), '')`;

/** Same rule in JavaScript (the dashboard and tests group reasons they already hold). */
export const reasonGroup = (reason: string): string => reason.split(':', 1)[0]!.split(' (', 1)[0]!.trim();

/**
 * Counts by status, channel and (SKIPPED and FAILED only) reason group over every delivery the
 * filter matches, in one scan (grouping sets), and the WhatsApp cost from the credit ledger.
 * Every status and channel is listed (zeros included, in enum order); reasons by count, largest first.
 */
export async function deliveryStats(scope: TenantScope, f: DeliveryFilter): Promise<DeliveryStats> {
  const where = deliveryFilterSql(f);
  const reasonKey = sql`case when ${deliveries.status} in ('SKIPPED', 'FAILED') then ${reasonGroupSql} end`;
  const rows = await scope.tx
    .select({
      status: deliveries.status,
      channel: deliveries.channel,
      reason: sql<string | null>`${reasonKey}`,
      // Which grouping set a row belongs to: 3 = by status... (a bit per column left out).
      set: sql<number>`grouping(${deliveries.status}, ${deliveries.channel}, ${reasonKey})::int`,
      n: count(),
    })
    .from(deliveries)
    .where(where)
    .groupBy(sql`grouping sets ((${deliveries.status}), (${deliveries.channel}), (${reasonKey}))`);
  const byStatus = new Map<string, number>(STATUSES.map((s) => [s, 0]));
  const byChannel = new Map<string, number>(CHANNELS.map((c) => [c, 0]));
  const byReason: DeliveryCount[] = [];
  for (const r of rows) {
    const set = Number(r.set);
    if (set === 0b011) byStatus.set(r.status, Number(r.n));
    else if (set === 0b101) byChannel.set(r.channel, Number(r.n));
    else if (set === 0b110 && r.reason !== null) byReason.push({ key: r.reason, count: Number(r.n) });
  }
  byReason.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
  const toList = (m: Map<string, number>) => [...m].map(([key, n]) => ({ key, count: n }));
  const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
  return {
    total,
    byStatus: toList(byStatus),
    byChannel: toList(byChannel),
    byReason,
    whatsAppCost: await whatsAppCost(scope, f),
  };
}

/** Debits are negative in the ledger and refunds positive: the net cost is their sum, negated. */
async function whatsAppCost(scope: TenantScope, f: DeliveryFilter): Promise<string> {
  const matching = scope.tx
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(deliveryFilterSql(f), eq(deliveries.channel, 'WHATSAPP')));
  const [row] = await scope.tx
    .select({ net: sql<string | null>`sum(${creditTransactions.amount})` })
    .from(creditTransactions)
    .where(inArray(creditTransactions.deliveryId, matching));
  return new Decimal(row?.net ?? 0).neg().toFixed();
}
