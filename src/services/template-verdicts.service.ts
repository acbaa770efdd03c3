import { and, eq } from 'drizzle-orm';
import { whatsAppTemplateVerdicts } from '../schema/index.js';
import type { TemplateUpdate } from '../channels/channel.types.js';
import { whatsAppErrorCode } from '../channels/whatsapp.channel.js';
import type { TenantScope } from '../db/tenant.js';
import { audit } from './audit.service.js';
import type { DerivedEvent } from './derived-events.service.js';
import { cachedConfig } from './config-cache.service.js';
import { getTenant } from './tenants.service.js';

export type VerdictRow = typeof whatsAppTemplateVerdicts.$inferSelect;
export type ApprovalStatus = NonNullable<VerdictRow['status']>;
type Category = NonNullable<VerdictRow['category']>;

/**
 * Meta's events as Kabar's statuses. FLAGGED is Meta's quality warning: the template still goes
 * (it is paused only if quality does not recover, and Meta then says PAUSED), so it stays
 * APPROVED, with the flag in the reason. REINSTATED is approved again; PENDING_DELETION cannot
 * be sent any more, like DISABLED. Any other event (IN_APPEAL, …) changes nothing.
 */
const STATUS_OF_EVENT: Readonly<Record<string, ApprovalStatus>> = {
  APPROVED: 'APPROVED',
  REINSTATED: 'APPROVED',
  FLAGGED: 'APPROVED',
  PENDING: 'PENDING',
  REJECTED: 'REJECTED',
  PAUSED: 'PAUSED',
  DISABLED: 'DISABLED',
  PENDING_DELETION: 'DISABLED',
};

/** The verdicts under which Meta refuses the template: such a message is skipped TEMPLATE_NOT_APPROVED, never charged. */
export const BLOCKING_STATUSES: ReadonlySet<string> = new Set(['REJECTED', 'PAUSED', 'DISABLED']);
const CATEGORIES: ReadonlySet<string> = new Set(['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE']);

/** The admin event telling the tenant's administrators that Meta changed its word on a template. */
export const TEMPLATE_STATUS_EVENT = 'whatsapp.template_status';

export const verdictKey = (name: string, language: string) => `${name}\u0000${language.toLowerCase()}`;

/** Every verdict of the tenant, by Meta template name and language. */
export async function loadVerdicts(scope: TenantScope): Promise<Map<string, VerdictRow>> {
  const rows = await scope.tx.select().from(whatsAppTemplateVerdicts);
  return new Map(rows.map((r) => [verdictKey(r.templateName, r.language), r]));
}

/** The verdicts as dispatch and release read them: through the configuration cache (a change clears it). */
export function cachedVerdicts(scope: TenantScope): Promise<Map<string, VerdictRow>> {
  return cachedConfig(scope, 'whatsapp:verdicts', () => loadVerdicts(scope));
}

/** Whether Meta refuses this template now (its latest verdict is REJECTED, PAUSED or DISABLED). */
export function refused(verdicts: Map<string, VerdictRow>, templateName: string, language: string): boolean {
  const status = verdicts.get(verdictKey(templateName, language))?.status;
  return !!status && BLOCKING_STATUSES.has(status);
}

export interface VerdictEffects {
  tenantName: string;
  /** Hands the admin event to dispatch after commit. */
  emit?: (tenantId: string, e: DerivedEvent) => Promise<void>;
  /** "webhook" (Meta said so) or "send" (a send was refused with 132015/132016). */
  source: 'webhook' | 'send';
}

/**
 * Records Meta's word on templates, each change once: the verdict row (status, reason, Meta's
 * category), an audit entry (a `config.` action, so every dispatcher's cache forgets the old
 * verdict at commit), and one admin event after commit. Saying again what is already recorded
 * changes nothing and tells nobody. Returns how many templates changed.
 */
export async function applyTemplateUpdates(
  scope: TenantScope,
  updates: TemplateUpdate[],
  fx: VerdictEffects,
): Promise<number> {
  let changed = 0;
  for (const u of updates) {
    const status = u.event ? STATUS_OF_EVENT[u.event] : undefined;
    const category = u.newCategory && CATEGORIES.has(u.newCategory) ? (u.newCategory as Category) : undefined;
    if (!status && !category) continue;
    const before = await lockVerdict(scope, u.name, u.language);
    const after = {
      status: status ?? before.status,
      metaEvent: status ? u.event! : before.metaEvent,
      reason: status
        ? (u.reason ?? (u.event === 'FLAGGED' ? 'FLAGGED: quality warning; still sending' : null))
        : before.reason,
      category: category ?? before.category,
    };
    const previous =
      before.category ?? (u.previousCategory && CATEGORIES.has(u.previousCategory) ? u.previousCategory : null);
    if (
      after.status === before.status &&
      after.metaEvent === before.metaEvent &&
      after.reason === before.reason &&
      after.category === before.category
    )
      continue;
    await scope.tx
      .update(whatsAppTemplateVerdicts)
      .set({ ...after, updatedAt: new Date() })
      .where(and(eq(whatsAppTemplateVerdicts.templateName, u.name), eq(whatsAppTemplateVerdicts.language, u.language)));
    const template = {
      name: u.name,
      language: u.language,
      status: after.status ?? 'UNKNOWN',
      ...(after.metaEvent ? { event: after.metaEvent } : {}),
      ...(after.reason ? { reason: after.reason } : {}),
      ...(after.category ? { category: after.category } : {}),
      ...(category && previous ? { previousCategory: previous } : {}),
    };
    await audit(scope, {
      action: 'config.whatsapp_template.verdict',
      entityType: 'whatsapp_template',
      entityId: `${u.name}:${u.language}`,
      details: { ...template, from: { status: before.status, category: before.category }, source: fx.source },
    });
    notify(scope, fx, template, changed);
    changed++;
  }
  return changed;
}

/** The template's verdict row, created empty if Meta never spoke of it, and locked: two reports of one template apply one after the other. */
async function lockVerdict(scope: TenantScope, name: string, language: string): Promise<VerdictRow> {
  await scope.tx
    .insert(whatsAppTemplateVerdicts)
    .values({ tenantId: scope.tenantId, templateName: name, language })
    .onConflictDoNothing();
  const [row] = await scope.tx
    .select()
    .from(whatsAppTemplateVerdicts)
    .where(and(eq(whatsAppTemplateVerdicts.templateName, name), eq(whatsAppTemplateVerdicts.language, language)))
    .for('update');
  return row!;
}

function notify(scope: TenantScope, fx: VerdictEffects, template: Record<string, unknown>, n: number): void {
  const emit = fx.emit;
  if (!emit) return;
  // Unique per change: a change is recorded once (the row lock), so it is told once.
  const id = `${TEMPLATE_STATUS_EVENT}:${scope.tenantId}:${String(template.name)}:${String(template.language)}:${Date.now()}:${n}`;
  const event: DerivedEvent = {
    id,
    type: TEMPLATE_STATUS_EVENT,
    data: { template, tenant: { id: scope.tenantId, name: fx.tenantName } },
  };
  scope.afterCommit(() => emit(scope.tenantId, event));
}

/** A send Meta refused with 132015 (template paused) or 132016 (disabled) reveals the verdict too. */
export const VERDICT_OF_SEND_CODE: Readonly<Record<number, string>> = { 132015: 'PAUSED', 132016: 'DISABLED' };

/**
 * Marks the template of a WhatsApp template message Meta refused to send with 132015/132016
 * (PAUSED/DISABLED), as its webhook would have: later messages are skipped, not charged.
 */
export async function verdictFromSend(
  scope: TenantScope,
  content: unknown,
  reason: string,
  emit?: VerdictEffects['emit'],
): Promise<void> {
  const code = whatsAppErrorCode(reason);
  const event = code === null ? undefined : VERDICT_OF_SEND_CODE[code];
  const c = content as { templateName?: unknown; language?: unknown } | null;
  if (!event || typeof c?.templateName !== 'string' || typeof c.language !== 'string') return;
  const tenantName = (await getTenant(scope)).name;
  await applyTemplateUpdates(scope, [{ name: c.templateName, language: c.language.toLowerCase(), event, reason }], {
    tenantName,
    emit,
    source: 'send',
  });
}
