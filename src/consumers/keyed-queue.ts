/**
 * Runs tasks with at most `limit` in flight, and tasks sharing a key one after another in the
 * order they were submitted (events about one appointment stay in order; others overlap).
 */
export function createKeyedQueue(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  const tails = new Map<string, Promise<unknown>>();

  const acquire = () =>
    active < limit ? (active++, Promise.resolve()) : new Promise<void>((r) => waiting.push(() => (active++, r())));
  const release = () => {
    active--;
    waiting.shift()?.();
  };

  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous
        .catch(() => {})
        .then(async () => {
          await acquire();
          try {
            return await task();
          } finally {
            release();
          }
        });
      const tail = result.catch(() => {});
      tails.set(key, tail);
      void tail.then(() => tails.get(key) === tail && tails.delete(key));
      return result;
    },
    get inFlight() {
      return active;
    },
  };
}

/** Events about the same appointment (else the same patient) must be handled in order. */
export function orderingKey(tenantId: string, eventId: string, data: unknown): string {
  const d = (data ?? {}) as { appointment?: { id?: unknown }; patient?: { id?: unknown } };
  const id = d.appointment?.id ?? d.patient?.id;
  return typeof id === 'string' || typeof id === 'number'
    ? `${tenantId}:${String(id)}`
    : `${tenantId}:event:${eventId}`;
}
