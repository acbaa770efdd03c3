import { randomUUID } from 'node:crypto';
import { inboundMessages, deliveries } from '../schema/index.js';
import type { InboundText } from '../channels/channel.types.js';
import type { SecretBox } from '../crypto.js';
import type { TenantScope } from '../db/tenant.js';
import { audit } from './audit.service.js';
import type { DeliveryRow } from './deliveries.service.js';
import { recordReportAtCommit, statusMoved, type StatusPublisher } from './delivery-status.service.js';
import { keywordReply, matchKeyword, type KeywordAction } from './keywords.service.js';
import { patientsByPhone, type PatientRow } from './patients.service.js';
import { recordChoices } from './preferences.service.js';
import type { MessageContent } from './rendering.service.js';
import type { TenantRow } from './tenants.service.js';
import { whatsAppGate } from './whatsapp-gate.service.js';

export type InboundChannel = 'WHATSAPP' | 'SMS';

export interface InboundContext {
  box: SecretBox;
  publishStatus: StatusPublisher;
  now: () => Date;
}

export interface InboundResult {
  /** Messages recorded now (a replayed one is not). */
  recorded: number;
  /** Preference rows appended. */
  choices: number;
  /** Confirmations queued (or written SKIPPED when the channel cannot send). */
  confirmations: number;
}

/** The event type of a keyword's confirmation delivery (not a partner event: Kabar's own answer). */
export const KEYWORD_REPLY_EVENT = 'patient.keyword_reply';

/**
 * Records patients' own messages, each once (the provider's message id is the guard: a replay,
 * or the provider retrying with another envelope, changes nothing), and acts on keywords: the
 * sender's number opts out of (or back into) this channel for every patient of the directory
 * who uses it, and gets one confirmation. Any other text is only recorded.
 */
export async function receiveInbound(
  scope: TenantScope,
  ctx: InboundContext,
  tenant: TenantRow,
  channel: InboundChannel,
  messages: InboundText[],
): Promise<InboundResult> {
  const result: InboundResult = { recorded: 0, choices: 0, confirmations: 0 };
  const now = ctx.now();
  for (const m of messages) {
    const action = matchKeyword(m.body);
    const [row] = await scope.tx
      .insert(inboundMessages)
      .values({
        tenantId: scope.tenantId,
        channel,
        providerMessageId: m.providerMessageId,
        sender: m.from,
        body: m.body,
        action,
        receivedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: inboundMessages.id });
    if (!row) continue;
    result.recorded++;
    if (!action) continue;
    const users = ordered(await patientsByPhone(scope, m.from));
    const source = `inbound:${channel.toLowerCase()}`;
    const rows = await recordChoices(
      scope,
      users.map((p) => ({
        patientId: p.id,
        channel,
        category: null,
        status: action,
        source,
        evidence: m.providerMessageId,
        actor: m.from,
      })),
      now,
    );
    result.choices += rows.length;
    await queueConfirmation(scope, ctx, tenant, channel, m, action, users[0], now);
    result.confirmations++;
  }
  return result;
}

/** The most recently seen patient first: their language answers a number several patients share. */
function ordered(users: PatientRow[]): PatientRow[] {
  return [...users].sort(
    (a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * The confirmation as a delivery row, so operators see it and the retry sweep sends (and
 * retries) it like any message: QUEUED and due now. On WhatsApp it is a free-form text inside
 * the window the patient's message opened: not charged (cost null, no debit), but still subject
 * to the tenant's WhatsApp switch and configuration (else written SKIPPED with the reason).
 */
async function queueConfirmation(
  scope: TenantScope,
  ctx: InboundContext,
  tenant: TenantRow,
  channel: InboundChannel,
  m: InboundText,
  action: KeywordAction,
  patient: PatientRow | undefined,
  now: Date,
): Promise<void> {
  const language = patient?.language ?? tenant.defaultLanguage;
  const body = keywordReply(action, language, tenant.name, channel);
  const content: MessageContent = channel === 'WHATSAPP' ? { channel, kind: 'text', body } : { channel, body };
  const gate = channel === 'WHATSAPP' ? await whatsAppGate(scope, ctx.box, now) : null;
  const skip = gate && !gate.ok ? gate.reason : null;
  const eventId = `inbound:${m.providerMessageId}`;
  const row: Omit<DeliveryRow, 'seq'> = {
    id: randomUUID(),
    tenantId: scope.tenantId,
    eventId,
    eventType: KEYWORD_REPLY_EVENT,
    channel,
    recipient: m.from,
    recipientKind: 'patient',
    recipientRef: patient ? `patient:${patient.id}` : `contact:${m.from}`,
    language,
    status: skip ? 'SKIPPED' : 'QUEUED',
    reason: skip,
    providerMessageId: null,
    cost: null,
    renderedBody: body,
    content,
    attempts: 0,
    nextAttemptAt: skip ? null : now,
    sendingSince: null,
    patientId: patient?.id ?? null,
    fallbackOf: null,
    deferredUntil: null,
    fallbackDueAt: null,
    createdAt: now,
    updatedAt: now,
  };
  // Queued before its history rows (which reference it): the writes at commit keep that order.
  scope.atCommit.insert(deliveries, row);
  recordReportAtCommit(scope, row.id, 'QUEUED', null, now);
  await audit(scope, {
    action: 'delivery.queued',
    entityType: 'delivery',
    entityId: row.id,
    details: { eventId, eventType: KEYWORD_REPLY_EVENT, channel, recipientKind: 'patient' },
  });
  if (!skip) return;
  recordReportAtCommit(scope, row.id, 'SKIPPED', skip, now);
  await statusMoved(scope, 'QUEUED', row, ctx.publishStatus);
}
