import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import {
  limiter,
  mirrorTenants,
  pgClient,
  senderTo,
  writeMinimal,
  type FakeUrls,
  type MessageRow,
} from './lib/minimal.js';
import { serveParent, sleep } from './lib/util.js';

// The bare pipeline (issue 19): the physical limit of Kabar's work on this machine. A minimal
// dispatcher in a process of its own that reads the same backlog with kafkajs (Kabar's consumer
// settings, a fresh group), and for each tenant's chunk of a batch sends every message Kabar sent
// for those events to the same fakes (keep-alive, Kabar's concurrency: up to KABAR_MAX_IN_FLIGHT
// units at once, a unit's sends all at once), writes only the minimal rows in one transaction
// (delivery, status row, WhatsApp debit + ledger row), then commits the batch's offsets.
// It does no routing, rendering, policy, exactly-once bookkeeping, audit or live status: the
// messages are the ones Kabar produced (read back from `deliveries`), keyed by event.

export interface PipelineRequest {
  brokers: string;
  topic: string;
  dbUrl: string;
  urls: FakeUrls;
  /** JSON file: { [event seq]: MessageRow[] } (the seq is the number ending the event id). */
  messagesFile: string;
  expectedEvents: number;
  maxInFlight: number;
  poolSize: number;
  chunk: number;
}

const seqOf = (id: string) => Number(/-(\d+)$/.exec(id)?.[1] ?? NaN);

async function run(m: PipelineRequest) {
  const bySeq = new Map<number, MessageRow[]>(
    Object.entries(JSON.parse(readFileSync(m.messagesFile, 'utf8')) as Record<string, MessageRow[]>).map(([k, v]) => [
      Number(k),
      v,
    ]),
  );
  const sql = pgClient(m.dbUrl, m.poolSize);
  const tenants = await mirrorTenants(
    sql,
    [...new Set([...bySeq.values()].flat().map((r) => r.tenant_id))],
    'Bench pipeline',
  );
  const sender = senderTo(m.urls, Infinity);
  const units = limiter(m.maxInFlight);
  const kafka = new Kafka({ clientId: 'bench-pipeline', brokers: [m.brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bench-pipeline-${randomUUID()}`,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: 256 * 1024,
    maxBytes: 1024 * 1024,
  });
  let events = 0;
  let messages = 0;
  let statements = 0;
  let transactions = 0;
  let first = 0;
  let last = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const cpu0 = process.cpuUsage();
  await consumer.connect();
  await consumer.subscribe({ topic: m.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
      first ||= performance.now();
      const byTenant = new Map<string, MessageRow[]>();
      for (const msg of batch.messages) {
        const { id } = JSON.parse(msg.value!.toString('utf8')) as { id: string };
        for (const r of bySeq.get(seqOf(id)) ?? []) {
          const t = tenants.get(r.tenant_id)!;
          const list = byTenant.get(t) ?? [];
          list.push(r);
          byTenant.set(t, list);
        }
      }
      const work: [string, MessageRow[]][] = [];
      for (const [t, list] of byTenant)
        for (let i = 0; i < list.length; i += m.chunk) work.push([t, list.slice(i, i + m.chunk)]);
      await Promise.all(
        work.map(([t, list]) =>
          units(async () => {
            const ids = await Promise.all(list.map((r) => sender.send(r)));
            const n = await writeMinimal(
              sql,
              t,
              list.map((r, i) => ({ ...r, provider_message_id: ids[i]! })),
            );
            statements += n; // after the await: `+= await` would add to a stale total
            transactions++;
            messages += list.length;
          }),
        ),
      );
      resolveOffset(batch.lastOffset());
      await commitOffsetsIfNecessary();
      await heartbeat();
      events += batch.messages.length;
      if (events >= m.expectedEvents && !last) {
        last = performance.now();
        done();
      }
    },
  });
  await Promise.race([finished, sleep(600_000)]);
  const cpu = process.cpuUsage(cpu0);
  await consumer.disconnect();
  sender.close();
  await sql.end({ timeout: 5 });
  const seconds = (last - first) / 1000;
  return {
    events,
    messages,
    seconds,
    statements,
    transactions,
    eventsPerSecond: events / seconds,
    messagesPerSecond: messages / seconds,
    cpuMsPerMessage: (cpu.user + cpu.system) / 1000 / Math.max(1, messages),
  };
}

serveParent({
  run: (m: PipelineRequest) => run(m),
  stop: () => {
    setTimeout(() => process.exit(0), 10);
  },
});
process.send?.({ type: 'ready' });
