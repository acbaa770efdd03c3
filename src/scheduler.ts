import type { Core } from './core.js';
import { createLoop } from './loop.js';
import { withPlatform } from './db/tenant.js';
import type { Dispatcher } from './dispatcher.js';
import { leaseDueReminders, markFired, reminderEvent } from './services/scheduling.service.js';

/** The scheduler role: fires due appointment reminders. Several instances may run at once. */
export function createScheduler(core: Core, dispatcher: Pick<Dispatcher, 'handle'>) {
  const { now } = core;
  const platform = { db: core.db, actor: 'system' };

  async function tick(): Promise<number> {
    const at = now();
    const due = await withPlatform(platform, (s) => leaseDueReminders(s, at));
    for (const r of due) {
      const e = reminderEvent(r);
      await dispatcher.handle(r.tenantId, { ...e, occurredAt: at });
      await withPlatform(platform, (s) => markFired(s, r.id, now()));
    }
    return due.length;
  }

  const loop = createLoop('scheduler tick', tick, core.logger);
  return { tick, start: (intervalMs = 1_000) => loop.start(intervalMs), stop: () => loop.stop() };
}
export type Scheduler = ReturnType<typeof createScheduler>;
