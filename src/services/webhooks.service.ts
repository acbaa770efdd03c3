import { createHash, timingSafeEqual } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import { deliveries, webhookReceipts, whatsAppConfigs } from '../schema/index.js';
import type { ProviderStatus } from '../channels/channel.types.js';
import type { SecretBox } from '../crypto.js';
import type { PlatformScope, TenantScope } from '../db/tenant.js';
import type { Bus } from '../events/bus.js';
import { deliveryByProviderId, recordStatus, type StatusPublisher } from './delivery-status.service.js';
import { getDelivery, type DeliveryRow } from './deliveries.service.js';
import { lockForSettlement, settleWhatsAppBilling } from './whatsapp-billing.service.js';
import { lockBalance } from './credits.service.js';

/** The tenant whose delivery a provider message id names (of any tenant: a platform read), or null. */
export async function tenantOfProviderMessage(scope: PlatformScope, providerMessageId: string): Promise<string | null> {
  const [row] = await scope.tx
    .select({ tenantId: deliveries.tenantId })
    .from(deliveries)
    .where(eq(deliveries.providerMessageId, providerMessageId))
    .limit(1);
  return row?.tenantId ?? null;
}

/** The tenant's WhatsApp webhook secret matches the header 360dialog sends back (timing-safe). */
export async function whatsAppWebhookAuthentic(
  scope: TenantScope,
  box: SecretBox,
  header: string | undefined,
): Promise<boolean> {
  if (!header) return false;
  const [row] = await scope.tx
    .select({ secret: whatsAppConfigs.webhookSecretEnc })
    .from(whatsAppConfigs)
    .where(eq(whatsAppConfigs.tenantId, scope.tenantId));
  if (!row) return false;
  const expected = Buffer.from(box.open(row.secret));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Applies provider status reports to the tenant's deliveries. Unknown message ids are ignored
 * (another tenant's, or not Kabar's): a webhook can only ever touch its own tenant's rows.
 * A WhatsApp message that finally fails is refunded by recordStatus; Meta's `pricing` on a status
 * settles its charge with what Meta billed (whatsapp-billing.ts).
 */
export async function applyProviderStatuses(
  scope: TenantScope,
  statuses: ProviderStatus[],
  publish: StatusPublisher,
  bus?: Bus,
): Promise<number> {
  let applied = 0;
  for (const s of statuses) {
    // Usually the send's answer is recorded already; otherwise the delivery id the provider echoes
    // finds it (a crash cut the answer off, or the webhook outran it).
    const known = await deliveryByProviderId(scope, s.providerMessageId);
    const named = known ? undefined : await receiptFor(scope, s);
    const row = known ?? named;
    if (!row) continue;
    const receipt = named && named.providerMessageId === null ? named : undefined;
    // A receipt settles the send: the provider has the message, so it must not be sent again.
    const patch = receipt
      ? { providerMessageId: s.providerMessageId, sendingSince: null, nextAttemptAt: null }
      : undefined;
    // Money may move (a refund, a settlement): the balance is locked before the delivery's row, the
    // order of every charge, so this never deadlocks with a unit recording sends.
    const billed = s.pricing && row.channel === 'WHATSAPP' ? s.pricing : null;
    if (s.status === 'FAILED' && row.channel === 'WHATSAPP' && row.cost !== null) await lockBalance(scope);
    else if (billed) await lockForSettlement(scope, row, billed);
    await recordStatus(scope, row, { status: s.status, reason: s.reason ?? null, at: s.at, patch }, publish, bus);
    // After the status (a failure refunds first): what Meta billed settles what Kabar charged, once.
    if (billed) await settleWhatsAppBilling(scope, row, s.providerMessageId, billed, bus);
    applied++;
  }
  return applied;
}

/**
 * The delivery a status names by Kabar's id, when its provider message id was not known a moment
 * ago: still unsent (a receipt), or sent with this very id (the send's answer committed between
 * the two reads: the status, and the pricing it carries, must not be lost).
 */
async function receiptFor(scope: TenantScope, s: ProviderStatus): Promise<DeliveryRow | undefined> {
  if (!s.deliveryId) return undefined;
  const row = await getDelivery(scope, s.deliveryId);
  if (row?.providerMessageId === s.providerMessageId) return row;
  return row && row.providerMessageId === null && row.status === 'QUEUED' ? row : undefined;
}

/**
 * Records a webhook call by the digest of what its provider authenticated; false when that exact
 * call was taken before (a replay, or the provider retrying after a lost answer): it then changes nothing.
 */
export async function firstSighting(scope: TenantScope, provider: string, signedContent: string): Promise<boolean> {
  const digest = createHash('sha256').update(provider).update('\u0000').update(signedContent).digest('hex');
  const rows = await scope.tx
    .insert(webhookReceipts)
    .values({ tenantId: scope.tenantId, digest })
    .onConflictDoNothing()
    .returning({ digest: webhookReceipts.digest });
  return rows.length > 0;
}

/** Forgets fingerprints older than the replay window (the dispatcher's sweep calls it now and then). */
export async function pruneWebhookReceipts(scope: PlatformScope, olderThan: Date): Promise<number> {
  const rows = await scope.tx
    .delete(webhookReceipts)
    .where(lt(webhookReceipts.receivedAt, olderThan))
    .returning({ digest: webhookReceipts.digest });
  return rows.length;
}
