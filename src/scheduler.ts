import type { App } from './app.js';
import { withPlatform } from './db/tenant.js';
import type { Dispatcher } from './dispatcher.js';
import { leaseDueReminders, markFired, reminderEvent } from './services/scheduling.js';

/** The scheduler role: fires due appointment reminders. Several instances may run at once. */
export function createScheduler(app: App, dispatcher: Dispatcher, now: () => Date = () => new Date()) {
  const platform = { db: app.db, actor: 'system' };

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

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  return {
    tick,
    start(intervalMs = 1_000) {
      timer ??= setInterval(() => {
        running = running.then(tick).catch((err) => app.logger.error({ err }, 'scheduler tick failed'));
      }, intervalMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
export type Scheduler = ReturnType<typeof createScheduler>;
