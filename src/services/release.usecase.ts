import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { deliveries, events } from '../schema/index.js';
import { idList } from '../db/bulk.js';
import type { TenantScope } from '../db/tenant.js';
import { chargeWhatsApp, whatsAppPricer, type ChargeContext, type DerivedEvent } from './charge.service.js';
import { ledgerStates, rechargeDelivery } from './credits.service.js';
import { recordReportAtCommit, recordStatus, type StatusPublisher } from './delivery-status.service.js';
import type { DeliveryRow } from './deliveries.service.js';
import { loadPolicy, policyFor } from './patient-policy.service.js';
import type { MessageContent } from './rendering.service.js';
import { getTenant } from './tenants.service.js';

export interface ReleaseContext extends ChargeContext {
  publishStatus: StatusPublisher;
  now: () => Date;
}

/** What a release decided: the messages to send now, and Kabar's own follow-up events. */
export interface Released {
  ready: string[];
  derived: DerivedEvent[];
}

/**
 * Releases messages that waited (held by quiet hours, a retry's backoff, a resend, a fallback):
 * the patient's policy runs again (a choice made meanwhile counts), then WhatsApp is priced
 * and charged unless already paid, all in the caller's transaction. Clearing deferred_until is
 * the claim: two sweeps never release one message twice, so it is never charged twice.
 */
export async function releaseHeld(scope: TenantScope, ctx: ReleaseContext, ids: string[]): Promise<Released> {
  const now = ctx.now();
  const rows = await scope.tx
    .update(deliveries)
    .set({ deferredUntil: null, updatedAt: now })
    .where(
      and(
        sql`${deliveries.id} = ${idList(ids)}`,
        eq(deliveries.status, 'QUEUED'),
        isNotNull(deliveries.deferredUntil),
        isNull(deliveries.sendingSince),
        sql`${deliveries.nextAttemptAt} <= ${now.toISOString()}::timestamptz`,
      ),
    )
    .returning();
  if (rows.length === 0) return { ready: [], derived: [] };
  const tenant = await getTenant(scope);
  const data = await eventData(
    scope,
    rows.map((r) => r.eventId),
  );
  const policy = await loadPolicy(
    scope,
    rows.flatMap((r) => (r.patientId ? [r.patientId] : [])),
    tenant.timezone,
  );
  const going: DeliveryRow[] = [];
  for (const row of rows) {
    const decision = policyFor(policy, row, data.get(row.eventId), now);
    if (decision.kind === 'skip') await skip(scope, ctx, row, decision.reason);
    else if (decision.kind === 'hold') await hold(scope, row, decision.until, now);
    else going.push(row);
  }
  const { ready, derived } = await payFor(scope, ctx, tenant, going, now);
  return { ready, derived };
}

/** WhatsApp messages not yet paid for are charged (new ones debited, refunded ones charged again); the rest go as they are. */
async function payFor(
  scope: TenantScope,
  ctx: ReleaseContext,
  tenant: Awaited<ReturnType<typeof getTenant>>,
  rows: DeliveryRow[],
  now: Date,
): Promise<Released> {
  const whatsApp = rows.filter((r) => r.channel === 'WHATSAPP');
  const ledger = await ledgerStates(
    scope,
    whatsApp.map((r) => r.id),
  );
  const price = whatsAppPricer(scope, ctx.box, now);
  const ready = new Set(rows.map((r) => r.id));
  const billable: { id: string; price: string; eventType: string; content?: MessageContent }[] = [];
  const refused = new Set<string>();
  for (const row of whatsApp) {
    const state = ledger.get(row.id);
    if (state === 'paid') continue;
    const content = row.content as MessageContent | null;
    const priced = await price(content && 'category' in content ? content : { category: 'UTILITY' });
    if ('skip' in priced) {
      ready.delete(row.id);
      await skip(scope, ctx, row, priced.skip);
    } else if (state === 'refunded') {
      if (await rechargeDelivery(scope, row.id, priced.price, 'WhatsApp message (sent again)', ctx.bus))
        await setCost(scope, row.id, priced.price, movedTo(content, priced.category));
      else refused.add(row.id);
    } else
      billable.push({
        id: row.id,
        price: priced.price,
        eventType: row.eventType,
        content: movedTo(content, priced.category),
      });
  }
  const charged = await chargeWhatsApp(scope, ctx, tenant, billable, now);
  for (const b of billable) if (!charged.refused.has(b.id)) await setCost(scope, b.id, b.price, b.content);
  for (const id of [...refused, ...charged.refused]) {
    ready.delete(id);
    await skip(scope, ctx, rows.find((r) => r.id === id)!, 'INSUFFICIENT_CREDIT');
  }
  return { ready: [...ready], derived: charged.alert ? [charged.alert] : [] };
}

/** The cost charged, and the category charged when Meta moved the template since it was rendered (what Meta's billing is compared with). */
async function setCost(scope: TenantScope, id: string, cost: string, content?: MessageContent): Promise<void> {
  await scope.tx
    .update(deliveries)
    .set({ cost, ...(content ? { content } : {}) })
    .where(eq(deliveries.id, id));
}

function movedTo(content: MessageContent | null, category: string): MessageContent | undefined {
  return content && 'category' in content && content.category !== category ? { ...content, category } : undefined;
}

async function skip(scope: TenantScope, ctx: ReleaseContext, row: DeliveryRow, reason: string): Promise<void> {
  await recordStatus(
    scope,
    row,
    { status: 'SKIPPED', reason, at: ctx.now(), patch: { nextAttemptAt: null } },
    ctx.publishStatus,
    ctx.bus,
  );
}

async function hold(scope: TenantScope, row: DeliveryRow, until: Date, now: Date): Promise<void> {
  const reason = `QUIET_HOURS: held until ${until.toISOString()}`;
  await scope.tx
    .update(deliveries)
    .set({ deferredUntil: until, nextAttemptAt: until, reason, updatedAt: now })
    .where(eq(deliveries.id, row.id));
  recordReportAtCommit(scope, row.id, 'QUEUED', reason, now);
}

/** The stored data of the deliveries' events (what the policy reads: the centre's zone, a reminder's slot). */
async function eventData(scope: TenantScope, ids: string[]): Promise<Map<string, unknown>> {
  const rows = await scope.tx
    .select({ id: events.id, data: events.data })
    .from(events)
    .where(inArray(events.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r.data]));
}
