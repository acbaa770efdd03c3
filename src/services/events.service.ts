import { eq } from 'drizzle-orm';
import type { TenantScope } from '../db/tenant.js';
import { events } from '../schema/index.js';

/** Whether the tenant's events table already records an event with this id (publishEvent's "duplicate"). */
export async function eventRecorded(scope: TenantScope, id: string): Promise<boolean> {
  const seen = await scope.tx.select({ id: events.id }).from(events).where(eq(events.id, id)).limit(1);
  return seen.length > 0;
}
