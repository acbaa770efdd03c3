import { asc, desc, eq } from 'drizzle-orm';
import { routingRules } from '../schema/index.js';
import { NotFoundError } from '../domain-errors.js';
import type { TenantScope } from '../db/tenant.js';
import { isValidEventPattern, matchesEventPattern } from '../events/catalogue.js';
import { Checks, checkNonEmpty, isId } from '../validation.js';
import { audit } from './audit.service.js';
import { staffByIds } from './staff.service.js';

export type RoutingRow = typeof routingRules.$inferSelect;
export type ChannelName = RoutingRow['channels'][number];

export interface RoutingInput {
  id?: string | null;
  name: string;
  eventPattern: string;
  centreId?: string | null;
  departments?: string[] | null;
  staffIds?: string[] | null;
  channels: ChannelName[];
  active?: boolean | null;
  priority?: number | null;
}

/** Highest priority first; with eventType, only the rules whose pattern matches it. */
export async function listRules(scope: TenantScope, eventType?: string | null): Promise<RoutingRow[]> {
  const rows = await scope.tx
    .select()
    .from(routingRules)
    .orderBy(desc(routingRules.priority), asc(routingRules.createdAt));
  return eventType ? rows.filter((r) => matchesEventPattern(r.eventPattern, eventType)) : rows;
}

export async function upsertRule(scope: TenantScope, input: RoutingInput): Promise<RoutingRow> {
  // Every invalid field is reported at once.
  const c = new Checks();
  const eventPattern = input.eventPattern.trim();
  if (!isValidEventPattern(eventPattern))
    c.add('input.eventPattern', 'input.eventPattern must be a known event type, "prefix.*" for a known prefix, or "*"');
  const channels = [...new Set(input.channels)];
  if (channels.length === 0) c.add('input.channels', 'input.channels must name at least one channel');
  const departments = [...new Set((input.departments ?? []).map((d) => d.trim().toLowerCase()).filter(Boolean))];
  const staffIds = [...new Set(input.staffIds ?? [])];
  const found = await staffByIds(scope, staffIds);
  const missing = staffIds.filter((id) => !found.some((s) => s.id === id));
  if (missing.length) c.add('input.staffIds', `input.staffIds names unknown staff: ${missing.join(', ')}`);
  if (departments.length === 0 && staffIds.length === 0)
    c.add('input.departments', 'a rule must name departments or staffIds, or it reaches nobody');
  const priority = input.priority ?? 0;
  if (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000)
    c.add('input.priority', 'input.priority must be an integer between -1000000 and 1000000');
  const name = c.check(() => checkNonEmpty('input.name', input.name));
  c.done();
  const values = {
    name,
    eventPattern,
    centreId: input.centreId?.trim() || null,
    departments,
    staffIds,
    channels,
    active: input.active ?? true,
    priority,
    updatedAt: new Date(),
  };
  let row: RoutingRow | undefined;
  if (input.id) {
    if (!isId(input.id)) throw new NotFoundError('RoutingRule', input.id);
    [row] = await scope.tx.update(routingRules).set(values).where(eq(routingRules.id, input.id)).returning();
    if (!row) throw new NotFoundError('RoutingRule', input.id);
  } else {
    [row] = await scope.tx
      .insert(routingRules)
      .values({ ...values, tenantId: scope.tenantId })
      .returning();
  }
  const { updatedAt: _, ...details } = values;
  await audit(scope, {
    action: input.id ? 'config.routing.update' : 'config.routing.create',
    entityType: 'routing_rule',
    entityId: row!.id,
    details,
  });
  return row!;
}

export async function deleteRule(scope: TenantScope, id: string): Promise<boolean> {
  if (!isId(id)) throw new NotFoundError('RoutingRule', id);
  const [row] = await scope.tx.delete(routingRules).where(eq(routingRules.id, id)).returning();
  if (!row) throw new NotFoundError('RoutingRule', id);
  await audit(scope, {
    action: 'config.routing.delete',
    entityType: 'routing_rule',
    entityId: id,
    details: { name: row.name, eventPattern: row.eventPattern },
  });
  return true;
}
