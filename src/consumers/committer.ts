import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * At most one offset commit per this interval. At a steady trickle a batch holds an event or
 * two, and a commit per batch was a broker request (and a log append) per event.
 */
const COMMIT_INTERVAL_MS = 100;

/**
 * Commits a consumer's offsets without holding up its batches. A batch hands over its next
 * offset once every outcome is durable and returns, so the next fetch starts at once; one commit
 * request at a time, at most one per COMMIT_INTERVAL_MS, carries the newest offset of every
 * partition handed over meanwhile. A crash before a commit lands re-reads those events, which
 * dispatch recognises (it is idempotent); a graceful stop waits for the last commit (`flush`).
 *
 * A rebalance makes what is still pending stale: a partition may now be another member's, and a
 * commit under the new generation would move its position back. Pending offsets from before the
 * last group join, and those of batches fetched before it, are dropped, not committed (the new
 * owner re-reads them, idempotently).
 */
export function createCommitter(consumer: Consumer, topic: string, log: Logger, intervalMs = COMMIT_INTERVAL_MS) {
  const pending = new Map<number, { offset: string; generation: number; committed: () => void }>();
  let generation = 0;
  let running: Promise<void> | null = null;
  let lastCommit = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    generation++;
    pending.clear();
  });

  async function drain(): Promise<void> {
    while (pending.size > 0) {
      const wait = lastCommit + intervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      lastCommit = Date.now();
      const batch = [...pending.entries()].filter(([, p]) => p.generation === generation);
      pending.clear();
      if (batch.length === 0) continue;
      try {
        await consumer.commitOffsets(batch.map(([partition, p]) => ({ topic, partition, offset: p.offset })));
        for (const [, p] of batch) p.committed();
      } catch (err) {
        log.warn({ err, partitions: batch.map(([partition]) => partition) }, 'offsets not committed; these events will be read again (dispatch is idempotent)');
      }
    }
    running = null;
  }

  return {
    /** The group membership a batch was fetched in: taken when its handling starts, handed back to `commit`. */
    generation: () => generation,
    /**
     * Commits `offset` (the next one to read) for `partition` soon, unless the group rebalanced
     * since `fetchedIn`; `committed` runs once it has landed.
     */
    commit(fetchedIn: number, partition: number, offset: string, committed: () => void): void {
      if (fetchedIn !== generation) return;
      pending.set(partition, { offset, generation, committed });
      running ??= drain();
    },
    /** Resolves once every offset handed over so far is committed (or given up): a graceful stop waits for it. */
    async flush(): Promise<void> {
      while (running) await running;
    },
  };
}
