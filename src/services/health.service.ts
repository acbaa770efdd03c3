import { sql } from 'drizzle-orm';
import type { PlatformScope } from '../db/tenant.js';

/** The cheapest statement that proves the database answers (readiness). */
export async function pingDatabase(scope: PlatformScope): Promise<void> {
  await scope.tx.execute(sql`select 1`);
}
