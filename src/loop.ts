import type { Logger } from 'pino';

/** A background loop that never overlaps itself and can be stopped after its current run. */
export function createLoop(name: string, run: () => Promise<unknown>, log: Logger) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  return {
    start(intervalMs: number) {
      timer ??= setInterval(() => {
        running = running.then(() => run()).catch((err) => log.error({ err }, `${name} failed`));
      }, intervalMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
