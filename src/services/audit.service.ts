import { and, desc, eq, gte, isNull, lt, lte } from 'drizzle-orm';
import { auditLog } from '../schema/index.js';
import { announceConfigChange } from './config-cache.service.js';
import type { PlatformScope, TenantScope } from '../db/tenant.js';
import { decodeCursor, pageOf, type Page, type PageArgs } from './pagination.service.js';

export interface AuditInput {
  action: string;
  entityType: string;
  entityId?: string | null;
  /** Never a secret: callers record that a token changed, not the token. */
  details?: Record<string, unknown>;
}

/**
 * Appends to the audit log inside the caller's transaction, so the entry and the change commit
 * together. Entries of one unit of work are written in one statement just before commit.
 */
export async function audit(scope: TenantScope, entry: AuditInput): Promise<void> {
  // A configuration change must reach every dispatcher's cache as soon as it commits.
  if (entry.action.startsWith('config.')) announceConfigChange(scope);
  scope.atCommit.insert(auditLog, { ...row(scope.actor, entry), tenantId: scope.tenantId, at: new Date() });
}

/** Platform-wide entries (pricing) carry no tenant; tenant creation names the new tenant. */
export async function auditPlatform(scope: PlatformScope, entry: AuditInput & { tenantId?: string }): Promise<void> {
  if (entry.action.startsWith('pricing.')) announceConfigChange(scope);
  if (entry.action === 'tenant.create' && entry.tenantId) announceConfigChange(scope, entry.tenantId);
  await scope.tx.insert(auditLog).values({ ...row(scope.actor, entry), tenantId: entry.tenantId ?? null });
}

function row(actor: string, e: AuditInput) {
  return { actor, action: e.action, entityType: e.entityType, entityId: e.entityId ?? null, details: e.details ?? {} };
}

export interface AuditFilter {
  action?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  since?: Date | null;
  until?: Date | null;
}

export type AuditRow = typeof auditLog.$inferSelect;

/** Newest first. A tenant scope reads its own entries (RLS); a platform scope reads all or one tenant's. */
export async function listAudit(
  scope: TenantScope | PlatformScope,
  filter: AuditFilter,
  page: PageArgs,
  onlyTenant?: string | null,
): Promise<Page<AuditRow>> {
  const after = decodeCursor(page.after);
  const where = and(
    filter.action ? eq(auditLog.action, filter.action) : undefined,
    filter.entityType ? eq(auditLog.entityType, filter.entityType) : undefined,
    filter.entityId ? eq(auditLog.entityId, filter.entityId) : undefined,
    filter.since ? gte(auditLog.at, filter.since) : undefined,
    filter.until ? lte(auditLog.at, filter.until) : undefined,
    after !== null ? lt(auditLog.seq, after) : undefined,
    onlyTenant === undefined
      ? undefined
      : onlyTenant === null
        ? isNull(auditLog.tenantId)
        : eq(auditLog.tenantId, onlyTenant),
  );
  const rows = await scope.tx
    .select()
    .from(auditLog)
    .where(where)
    .orderBy(desc(auditLog.seq))
    .limit(page.first + 1);
  return pageOf(rows, page.first, (r) => r.seq);
}
