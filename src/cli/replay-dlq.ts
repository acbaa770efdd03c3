import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type IHeaders, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import { decodeEnvelope } from '../events/envelope.js';
import { parseBrokers } from '../kafka/kafka-admin.js';
import { headerStrings } from '../kafka/kafka-client.js';
import { reasonCode } from '../dlq-reason.js';
import { UsageError } from './usage.js';

// `kabar replay-dlq`: reads the dead-letter topic from the beginning with a throw-away consumer
// group, re-validates every message as the dispatcher would (decodeEnvelope: envelope, tenant
// key, event type, JSON Schema of the data), and writes the ones that now pass back to the
// events topic with their original key, value and headers (minus kabar-dlq-*). Replaying is
// safe to repeat: the dispatcher dedupes by (tenant, event id). A tenant that still does not
// exist is not checked here (no database): such events come back to the DLQ as UNKNOWN_TENANT.

export interface ReplayOptions {
  brokers: string;
  dlqTopic: string;
  eventsTopic: string;
  clientId?: string;
  /** Stop after this many DLQ messages have been read. */
  limit?: number;
  /** Validate and report only; write nothing. */
  dryRun?: boolean;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
  /** Give up waiting for the rest of a partition after this long without a message (default 15 s). */
  idleTimeoutMs?: number;
}

export interface StillInvalid {
  partition: number;
  offset: string;
  /** Why it fails today. */
  reason: string;
  /** Why it was dead-lettered (kabar-dlq-reason). */
  originalReason: string | null;
}

export interface ReplaySummary {
  dlqTopic: string;
  eventsTopic: string;
  dryRun: boolean;
  /** Messages on the DLQ when the replay started (between the low and high watermarks). */
  available: number;
  read: number;
  /** Written back to the events topic (or, in a dry run, that would be). */
  replayed: number;
  stillInvalid: number;
  /** Still-invalid counts by reason code, with one full reason as an example. */
  reasons: Record<string, { count: number; example: string }>;
  /** The first 100 still-invalid messages. */
  invalid: StillInvalid[];
  /** Set when partitions stopped short of their end (idle timeout). */
  incomplete?: string;
}

const DLQ_HEADER = /^kabar-dlq-/i;

/** The original headers: every kabar-dlq-* header the dead-lettering added is removed. */
export function originalHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([k]) => !DLQ_HEADER.test(k)));
}

export async function replayDlq(opts: ReplayOptions): Promise<ReplaySummary> {
  const progress = opts.progress ?? (() => {});
  const dryRun = opts.dryRun ?? false;
  const limit = opts.limit ?? Infinity;
  if (!(limit > 0)) throw new UsageError('--limit must be a positive number');
  const clientId = opts.clientId ?? 'kabar';
  const kafka = new Kafka({
    clientId: `${clientId}-replay-dlq`,
    brokers: parseBrokers(opts.brokers),
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 200, retries: 5 },
  });
  const summary: ReplaySummary = {
    dlqTopic: opts.dlqTopic,
    eventsTopic: opts.eventsTopic,
    dryRun,
    available: 0,
    read: 0,
    replayed: 0,
    stillInvalid: 0,
    reasons: {},
    invalid: [],
  };

  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${clientId}-replay-dlq-${randomUUID()}`;
  let groupUsed = false;
  try {
    const topics = new Set(await admin.listTopics());
    for (const t of [opts.dlqTopic, ...(dryRun ? [] : [opts.eventsTopic])])
      if (!topics.has(t)) throw new UsageError(`Topic ${t} does not exist on ${opts.brokers}`);
    // What to read: everything on the DLQ now. Messages dead-lettered during the replay (the
    // replayed ones that fail again, say) are left for the next run: no loop.
    const ends = new Map<number, bigint>();
    for (const p of await admin.fetchTopicOffsets(opts.dlqTopic)) {
      const high = BigInt(p.high);
      const low = BigInt(p.low);
      if (high > low) {
        ends.set(p.partition, high);
        summary.available += Number(high - low);
      }
    }
    const target = Math.min(summary.available, limit);
    progress(
      `replay-dlq: ${summary.available} message(s) on ${opts.dlqTopic}${Number.isFinite(limit) ? `, reading up to ${limit}` : ''}${dryRun ? ' (dry run: nothing is written)' : ''}`,
    );
    if (target === 0) return summary;

    const producer = dryRun
      ? undefined
      : kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer?.connect();
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
    groupUsed = true;
    let lastReport = 0;
    const report = (force = false) => {
      const now = Date.now();
      if (!force && now - lastReport < 1_000) return;
      lastReport = now;
      progress(
        `replay-dlq: ${summary.read}/${target} read, ${summary.replayed} ${dryRun ? 'would be replayed' : 'replayed'}, ${summary.stillInvalid} still invalid`,
      );
    };

    try {
      await consumeDlq({ opts, summary, ends, target, consumer, producer, report });
    } finally {
      report(true);
      await consumer.disconnect().catch(() => {});
      await producer?.disconnect().catch(() => {});
    }
    return summary;
  } finally {
    // The group was only a way to read; it holds nothing worth keeping.
    if (groupUsed) await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

/** The summary as a person reads it. */
export function formatSummary(s: ReplaySummary, verbose = false): string {
  const lines = [
    `${s.dryRun ? 'Dry run: ' : ''}read ${s.read} of ${s.available} message(s) on ${s.dlqTopic}`,
    `  ${s.dryRun ? 'would replay' : 'replayed'} to ${s.eventsTopic}: ${s.replayed}`,
    `  still invalid: ${s.stillInvalid}`,
  ];
  const codes = Object.entries(s.reasons).sort((a, b) => b[1].count - a[1].count);
  const width = Math.max(0, ...codes.map(([c]) => c.length));
  for (const [code, r] of codes)
    lines.push(`    ${code.padEnd(width)}  ${String(r.count).padStart(5)}  e.g. ${r.example.slice(0, 160)}`);
  if (verbose)
    for (const i of s.invalid)
      lines.push(
        `    partition ${i.partition} offset ${i.offset}: ${i.reason}${i.originalReason && i.originalReason !== i.reason ? ` (was: ${i.originalReason})` : ''}`,
      );
  if (s.incomplete) lines.push(`  incomplete: ${s.incomplete}`);
  return lines.join('\n');
}

interface ReadState {
  opts: ReplayOptions;
  summary: ReplaySummary;
  /** Where each partition's messages to read end (removed once read). */
  ends: Map<number, bigint>;
  target: number;
  consumer: Consumer;
  producer?: Producer;
  report: () => void;
}

/** Reads the DLQ up to its ends (or `target` messages, or until idle), replaying what now decodes. */
async function consumeDlq({ opts, summary, ends, target, consumer, producer, report }: ReadState): Promise<void> {
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const idleMs = opts.idleTimeoutMs ?? 15_000;
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      const left = [...ends].map(([p, end]) => `partition ${p} before offset ${end}`).join(', ');
      summary.incomplete = `no message for ${idleMs / 1000} s; stopped with ${left} unread`;
      finish();
    }, idleMs);
  };

  try {
    await consumer.connect();
    await consumer.subscribe({ topic: opts.dlqTopic, fromBeginning: true });
    touch();
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        try {
          const end = ends.get(batch.partition);
          if (end === undefined || summary.read >= target) return;
          const out: Message[] = [];
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= end || summary.read >= target) break;
            summary.read++;
            const message = classify(summary, batch.partition, m);
            if (message) out.push(message);
            resolveOffset(m.offset);
            if (BigInt(m.offset) + 1n >= end) ends.delete(batch.partition);
          }
          if (out.length && producer) await producer.send({ topic: opts.eventsTopic, messages: out, acks: -1 });
          summary.replayed += out.length;
          touch();
          report();
          await heartbeat();
          if (summary.read >= target || ends.size === 0) finish();
        } catch (err) {
          fail(err);
          throw err;
        }
      },
    });
    await finished;
  } finally {
    clearTimeout(idle);
  }
}

/** The message to replay, or null (counted in the summary) when it still does not decode. */
function classify(summary: ReplaySummary, partition: number, m: KafkaMessage): Message | null {
  const headers = originalHeaders(m.headers);
  const decoded = decodeEnvelope(m.value, headerStrings(headers), m.key?.toString('utf8') ?? null);
  if (decoded.ok) return { key: m.key, value: m.value, headers };
  summary.stillInvalid++;
  const code = reasonCode(decoded.reason);
  const r = (summary.reasons[code] ??= { count: 0, example: decoded.reason });
  r.count++;
  if (summary.invalid.length < 100)
    summary.invalid.push({
      partition,
      offset: m.offset,
      reason: decoded.reason,
      originalReason: headerStrings(m.headers)['kabar-dlq-reason'] ?? null,
    });
  return null;
}
