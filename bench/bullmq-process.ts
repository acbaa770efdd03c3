import { Worker } from 'bullmq';
import { pgClient, senderTo, writeMinimal, type FakeUrls, type MessageRow } from './lib/minimal.js';
import { serveParent } from './lib/util.js';

// The peer (issue 19): what a team on Novu's engine would get. One BullMQ worker process (as many
// as Kabar runs dispatchers), one job per message as Novu queues them, the concurrency BullMQ's
// docs recommend for I/O-bound jobs; each job sends its message to the same fakes (keep-alive)
// and writes the same minimal rows as the bare pipeline, in a transaction of its own.

export interface WorkerRequest {
  queue: string;
  redis: { host: string; port: number };
  dbUrl: string;
  urls: FakeUrls;
  concurrency: number;
  poolSize: number;
}

let worker: Worker<MessageRow> | undefined;
let completed = 0;
let failed = 0;
let firstAt = 0;
let lastAt = 0;
let cpu0 = process.cpuUsage();
let close: (() => Promise<void>) | undefined;

serveParent({
  start: (m: WorkerRequest) => {
    const sql = pgClient(m.dbUrl, m.poolSize);
    const sender = senderTo(m.urls, Infinity);
    cpu0 = process.cpuUsage();
    worker = new Worker<MessageRow>(
      m.queue,
      async (job) => {
        firstAt ||= Date.now();
        const id = await sender.send(job.data);
        await writeMinimal(sql, job.data.tenant_id, [{ ...job.data, provider_message_id: id }]);
      },
      { connection: { ...m.redis, maxRetriesPerRequest: null }, concurrency: m.concurrency },
    );
    worker.on('completed', () => {
      completed++;
      lastAt = Date.now();
    });
    worker.on('failed', () => void failed++);
    close = async () => {
      await worker?.close();
      sender.close();
      await sql.end({ timeout: 5 });
    };
    return {};
  },
  stats: () => {
    const cpu = process.cpuUsage(cpu0);
    return { completed, failed, firstAt, lastAt, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  },
  stop: async () => {
    await close?.();
    setTimeout(() => process.exit(0), 10);
  },
});
process.send?.({ type: 'ready' });
