import { and, eq, isNull, sql } from 'drizzle-orm';
import { deliveries } from '../schema/index.js';
import type { Channels, SendOutcome } from '../channels/channel.types.js';
import type { SecretBox } from '../crypto.js';
import { idList } from '../db/bulk.js';
import type { TenantScope } from '../db/tenant.js';
import type { Bus } from '../events/bus.js';
import {
  recordReportAtCommit,
  recordSentAtCommit,
  recordStatus,
  type StatusPublisher,
} from './delivery-status.service.js';
import type { DeliveryRow } from './deliveries.service.js';
import type { MessageContent } from './rendering.service.js';
import { whatsAppCredentials } from './whatsapp.service.js';
import { cachedConfig } from './config-cache.service.js';
import type { DerivedEvent } from './charge.service.js';
import { verdictFromSend } from './template-verdicts.service.js';

export interface SendContext {
  box: SecretBox;
  bus: Bus;
  channels: Channels;
  publishStatus: StatusPublisher;
  publicUrl: string;
  maxAttempts: number;
  retryBaseMs: number;
  /** Channels whose providers report every accepted message (KABAR_RECEIPT_CHANNELS). */
  receiptChannels: ReadonlySet<string>;
  /** How long an ambiguous failure on such a channel waits for a receipt before it is sent again. */
  receiptGraceMs: number;
  now: () => Date;
  /** Hands Kabar's own events to dispatch after commit (a template a send revealed paused). */
  emit?: (tenantId: string, e: DerivedEvent) => Promise<void>;
}

/** A delivery as the sender sees it (its page position does not matter here). */
type Row = Omit<DeliveryRow, 'seq'>;

/** What the provider call needs, resolved inside the claim transaction (secrets decrypted there). */
export interface Claimed {
  row: Row;
  call: () => Promise<SendOutcome>;
  /** WhatsApp: the tenant's sender number and the recipient, which the dispatcher paces (services/pacing.ts). */
  pace?: { sender: string; recipient: string };
}

/** Which QUEUED deliveries a claim takes. */
export type ClaimGuard =
  /** Unclaimed ones; with `dueOnly`, only those whose next attempt is due (the retry sweep). */
  | { dueOnly: boolean }
  /** Ones this process claimed when it recorded them (at `heldSince`) and still holds: the claim is renewed, the attempt is the same. */
  | { heldSince: Date };

/**
 * Claims QUEUED deliveries (of one tenant) for one send attempt each, in one statement. The
 * conditional UPDATE makes a claim exclusive: the dispatcher's fast path and the retry worker
 * never send the same delivery at once, and one already marked "sending" is never sent blindly again.
 */
export async function claimDeliveries(
  scope: TenantScope,
  ctx: SendContext,
  ids: string[],
  guard: ClaimGuard,
): Promise<Claimed[]> {
  if (ids.length === 0) return [];
  const now = ctx.now();
  const held = 'heldSince' in guard;
  const rows = await scope.tx
    .update(deliveries)
    .set(held ? { sendingSince: now } : { sendingSince: now, attempts: sql`${deliveries.attempts} + 1` })
    .where(
      and(
        sql`${deliveries.id} = ${idList(ids)}`,
        eq(deliveries.status, 'QUEUED'),
        held ? eq(deliveries.sendingSince, guard.heldSince) : isNull(deliveries.sendingSince),
        !held && guard.dueOnly ? sql`${deliveries.nextAttemptAt} <= ${now.toISOString()}::timestamptz` : undefined,
      ),
    )
    .returning();
  return callsFor(scope, ctx, rows);
}

/** The provider calls for claimed rows (WhatsApp credentials read, and decrypted, once for all of them). */
export async function callsFor(scope: TenantScope, ctx: SendContext, rows: Row[]): Promise<Claimed[]> {
  const creds = rows.some((r) => r.channel === 'WHATSAPP')
    ? await cachedConfig(scope, 'whatsapp:credentials', () => whatsAppCredentials(scope, ctx.box))
    : null;
  return rows.map((row) => toCall(scope, ctx, row, creds));
}

function toCall(
  scope: TenantScope,
  ctx: SendContext,
  row: Row,
  creds: Awaited<ReturnType<typeof whatsAppCredentials>>,
): Claimed {
  const content = row.content as MessageContent | null;
  const ch = ctx.channels;
  // Nothing rendered (a row written by hand or by an older version): failing it beats retrying forever.
  if (!content)
    return {
      row,
      call: async () => ({ ok: false, transient: false, reason: 'NO_CONTENT: nothing was rendered for this message' }),
    };
  switch (content.channel) {
    case 'WHATSAPP': {
      if (!creds)
        return { row, call: async () => ({ ok: false, transient: false, reason: 'WHATSAPP_NOT_CONFIGURED' }) };
      // Keyed by tenant too: a number belongs to one tenant's WABA, and a misconfigured duplicate must not let one tenant slow another.
      const pace = { sender: `${scope.tenantId}:${creds.senderNumber}`, recipient: row.recipient };
      if ('kind' in content)
        return {
          row,
          pace,
          call: () =>
            ch.whatsapp.sendText({ apiKey: creds.token, to: row.recipient, body: content.body, reference: row.id }),
        };
      return {
        row,
        pace,
        call: () =>
          ch.whatsapp.send({
            apiKey: creds.token,
            to: row.recipient,
            templateName: content.templateName,
            language: content.language,
            parameters: content.parameters,
            reference: row.id,
          }),
      };
    }
    case 'EMAIL':
      return {
        row,
        call: () =>
          ch.email.send({
            to: row.recipient,
            subject: content.subject,
            text: content.text,
            html: content.html,
            tags: { tenant: scope.tenantId, delivery: row.id },
          }),
      };
    case 'SMS':
      return {
        row,
        call: () =>
          ch.sms.send({
            to: row.recipient,
            body: content.body,
            statusCallback: `${ctx.publicUrl}/webhooks/sms/${scope.tenantId}?delivery=${row.id}`,
          }),
      };
    case 'PUSH':
      return {
        row,
        call: () =>
          ch.push.send({
            deviceToken: row.recipient,
            title: content.title,
            body: content.body,
            data: { deliveryId: row.id, eventType: row.eventType },
          }),
      };
  }
}

/** Exponential backoff with full jitter, capped at five minutes. */
export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  const cap = Math.min(300_000, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * Records what the providers said about claimed messages: the accepted ones become SENT in one
 * statement, sent with the COMMIT (recordSentAtCommit), the others are retried or FAILED.
 */
export async function recordOutcomes(
  scope: TenantScope,
  ctx: SendContext,
  claimed: { row: Row; outcome: SendOutcome }[],
): Promise<void> {
  const now = ctx.now();
  const sent = new Map<string, string>();
  for (const { row, outcome } of claimed) {
    if (!outcome.ok) await recordFailure(scope, ctx, row, outcome, now);
    else sent.set(row.id, outcome.providerMessageId);
  }
  if (sent.size) recordSentAtCommit(scope, sent, now, ctx.publishStatus);
}

/**
 * A transient failure is retried with backoff while attempts remain; anything else ends FAILED
 * (refunding WhatsApp). A send that may have arrived (a timeout) on a channel with receipts waits
 * at least KABAR_RECEIPT_GRACE_MS: if it did arrive, its receipt settles it meanwhile and it is
 * not sent twice.
 */
async function recordFailure(
  scope: TenantScope,
  ctx: SendContext,
  row: Row,
  outcome: Extract<SendOutcome, { ok: false }>,
  now: Date,
): Promise<void> {
  if (outcome.transient && row.attempts < ctx.maxAttempts) {
    const unsure = outcome.ambiguous === true && ctx.receiptChannels.has(row.channel);
    const wait = Math.max(
      outcome.retryAfterMs ?? 0,
      backoffMs(row.attempts, ctx.retryBaseMs),
      unsure ? ctx.receiptGraceMs : 0,
    );
    const reason = `attempt ${row.attempts} failed (${outcome.reason}); ${unsure ? "retrying unless the provider's receipt shows it arrived" : 'retrying'}`;
    // Guarded on QUEUED: a provider receipt may already have settled it.
    // Released again when due (deferredUntil): the patient's choices made meanwhile still count.
    const next = new Date(now.getTime() + wait);
    await scope.tx
      .update(deliveries)
      .set({ sendingSince: null, nextAttemptAt: next, deferredUntil: next, reason, updatedAt: now })
      .where(and(eq(deliveries.id, row.id), eq(deliveries.status, 'QUEUED')));
    recordReportAtCommit(scope, row.id, 'QUEUED', reason, now);
    return;
  }
  const reason = outcome.transient ? `${outcome.reason} (gave up after ${row.attempts} attempts)` : outcome.reason;
  // 132015/132016: Meta paused or disabled the template; the next messages must not even be tried.
  if (row.channel === 'WHATSAPP' && !outcome.transient)
    await verdictFromSend(scope, row.content, outcome.reason, ctx.emit);
  await recordStatus(
    scope,
    row,
    { status: 'FAILED', reason, at: now, patch: { sendingSince: null, nextAttemptAt: null } },
    ctx.publishStatus,
    ctx.bus,
  );
}
