import { asc, eq } from 'drizzle-orm';
import { channelFallbacks } from '../schema/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain-errors.js';
import type { TenantScope } from '../db/tenant.js';
import {
  EVENT_TYPES,
  eventTypeInfo,
  isValidEventPattern,
  matchesEventPattern,
  type ChannelName,
} from '../events/catalogue.js';
import { isId } from '../validation.js';
import { audit } from './audit.service.js';
import { cachedConfig } from './config-cache.service.js';

export type FallbackRow = typeof channelFallbacks.$inferSelect;

export interface FallbackInput {
  id?: string | null;
  eventPattern: string;
  from: ChannelName;
  to: ChannelName;
  undeliveredAfterSeconds?: number | null;
  active?: boolean | null;
}

/** What fallbackFor needs of a rule: rows from fallbackRulesFor, or plain objects in tests. */
export interface FallbackRuleLike {
  eventPattern: string;
  fromChannel: ChannelName;
  active: boolean;
}

/** A receipt needs time to arrive (at least a minute), and a fallback a week late helps nobody. */
export const MIN_UNDELIVERED_SECONDS = 60;
export const MAX_UNDELIVERED_SECONDS = 604_800;

/** Oldest first, so a tenant sees its rules in the order it made them. */
export async function listFallbacks(scope: TenantScope): Promise<FallbackRow[]> {
  return scope.tx.select().from(channelFallbacks).orderBy(asc(channelFallbacks.createdAt), asc(channelFallbacks.id));
}

/** The tenant's active rules, as dispatch reads them for every patient message (cached until a config.* change). */
export function fallbackRulesFor(scope: TenantScope): Promise<readonly FallbackRow[]> {
  return cachedConfig(scope, 'fallbacks', () =>
    scope.tx.select().from(channelFallbacks).where(eq(channelFallbacks.active, true)),
  );
}

/**
 * The rule that applies to a patient message of `eventType` on `fromChannel`, or null: an exact
 * event type beats a prefix pattern (the longer prefix first), which beats "*". Inactive rules
 * never apply, nor does any rule to a staff or admin event ("*" means every patient event).
 */
export function fallbackFor<R extends FallbackRuleLike>(
  rules: readonly R[],
  eventType: string,
  fromChannel: ChannelName,
): R | null {
  if (eventTypeInfo(eventType)?.audience !== 'patient') return null;
  let best: R | null = null;
  let bestRank = -1;
  for (const rule of rules) {
    if (!rule.active || rule.fromChannel !== fromChannel || !matchesEventPattern(rule.eventPattern, eventType))
      continue;
    const rank = specificity(rule.eventPattern);
    if (rank > bestRank) [best, bestRank] = [rule, rank];
  }
  return best;
}

/** "*" = 0, "prefix.*" = the prefix's length, an exact type above any prefix. */
function specificity(pattern: string): number {
  if (pattern === '*') return 0;
  if (pattern.endsWith('.*')) return pattern.length - 1;
  return Number.MAX_SAFE_INTEGER;
}

export async function upsertFallback(scope: TenantScope, input: FallbackInput): Promise<FallbackRow> {
  const values = validate(input);
  if (input.id && !isId(input.id)) throw new NotFoundError('ChannelFallback', input.id);
  const existing = await listFallbacks(scope);
  if (input.id && !existing.some((r) => r.id === input.id)) throw new NotFoundError('ChannelFallback', input.id);
  const others = existing.filter((r) => r.id !== input.id);
  // Checked here for a clear message; the unique index still settles two concurrent upserts (CONFLICT too).
  if (others.some((r) => r.eventPattern === values.eventPattern && r.fromChannel === values.fromChannel)) {
    throw new ConflictError(
      `A fallback from ${values.fromChannel} for "${values.eventPattern}" already exists; update it by its id`,
    );
  }
  if (values.active) checkNoCycle(others, values);
  const now = new Date();
  let row: FallbackRow | undefined;
  if (input.id) {
    [row] = await scope.tx
      .update(channelFallbacks)
      .set({ ...values, updatedAt: now })
      .where(eq(channelFallbacks.id, input.id))
      .returning();
    if (!row) throw new NotFoundError('ChannelFallback', input.id);
  } else {
    [row] = await scope.tx
      .insert(channelFallbacks)
      .values({ ...values, tenantId: scope.tenantId })
      .returning();
  }
  await audit(scope, {
    action: 'config.channel_fallback.upsert',
    entityType: 'channel_fallback',
    entityId: row!.id,
    details: { ...values, created: !input.id },
  });
  return row!;
}

export async function deleteFallback(scope: TenantScope, id: string): Promise<boolean> {
  if (!isId(id)) throw new NotFoundError('ChannelFallback', id);
  const [row] = await scope.tx.delete(channelFallbacks).where(eq(channelFallbacks.id, id)).returning();
  if (!row) throw new NotFoundError('ChannelFallback', id);
  const { eventPattern, fromChannel, toChannel } = row;
  await audit(scope, {
    action: 'config.channel_fallback.delete',
    entityType: 'channel_fallback',
    entityId: id,
    details: { eventPattern, fromChannel, toChannel },
  });
  return true;
}

type FallbackValues = Pick<
  FallbackRow,
  'eventPattern' | 'fromChannel' | 'toChannel' | 'undeliveredAfterSeconds' | 'active'
>;

function validate(input: FallbackInput): FallbackValues {
  const eventPattern = input.eventPattern.trim();
  if (!isValidEventPattern(eventPattern)) {
    throw new ValidationError(
      'input.eventPattern',
      'input.eventPattern must be a known event type, "prefix.*" for a known prefix, or "*"',
    );
  }
  // Fallbacks reach patients: a pattern naming only staff or admin events would never fire.
  if (!EVENT_TYPES.some((e) => e.audience === 'patient' && e.notifies && matchesEventPattern(eventPattern, e.type))) {
    throw new ValidationError(
      'input.eventPattern',
      'input.eventPattern must match at least one event that notifies patients: fallbacks apply to patient messages only',
    );
  }
  if (input.from === input.to) throw new ValidationError('input.to', 'input.to must differ from input.from');
  const seconds = input.undeliveredAfterSeconds ?? null;
  if (seconds !== null) {
    if (!Number.isInteger(seconds) || seconds < MIN_UNDELIVERED_SECONDS || seconds > MAX_UNDELIVERED_SECONDS) {
      throw new ValidationError(
        'input.undeliveredAfterSeconds',
        `input.undeliveredAfterSeconds must be null or an integer from ${MIN_UNDELIVERED_SECONDS} to ${MAX_UNDELIVERED_SECONDS} (1 minute to 7 days): a delivery receipt needs time to arrive`,
      );
    }
    if (input.from === 'PUSH') {
      throw new ValidationError(
        'input.undeliveredAfterSeconds',
        'input.undeliveredAfterSeconds must be null when input.from is PUSH: push has no delivery receipts, so it would always fall back',
      );
    }
  }
  return {
    eventPattern,
    fromChannel: input.from,
    toChannel: input.to,
    undeliveredAfterSeconds: seconds,
    active: input.active ?? true,
  };
}

/**
 * For one pattern each channel has at most one rule (the unique index), so the active rules form
 * chains: follow the new rule's `to` and refuse if the chain comes back to its `from`.
 */
function checkNoCycle(others: readonly FallbackRow[], rule: FallbackValues): void {
  const next = new Map(
    others.filter((r) => r.active && r.eventPattern === rule.eventPattern).map((r) => [r.fromChannel, r.toChannel]),
  );
  const path: ChannelName[] = [rule.fromChannel, rule.toChannel];
  for (let at = next.get(rule.toChannel); at !== undefined; at = next.get(at)) {
    path.push(at);
    if (at === rule.fromChannel) {
      throw new ValidationError(
        'input.to',
        `For "${rule.eventPattern}" this fallback would form a cycle (${path.join(' → ')}): a message would go back to a channel it fell back from`,
      );
    }
    if (path.length > 8) break;
  }
}
