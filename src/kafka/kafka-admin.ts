import { Kafka, logLevel } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
}

/** `KAFKA_BROKERS` is a comma-separated list of host:port. */
export function parseBrokers(brokers: string): string[] {
  return brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/**
 * Creates the topics that do not exist yet; existing ones are left alone (changing the
 * partition count of a live topic would move keys between partitions). Safe to call on
 * every start-up, also when several processes race: "already exists" is not an error.
 */
export async function ensureTopics(brokers: string, topics: TopicSpec[], clientId = 'kabar'): Promise<void> {
  const kafka = new Kafka({ clientId, brokers: parseBrokers(brokers), logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    const { brokers: nodes } = await admin.describeCluster();
    // One copy on a single dev broker; three (the usual production choice) when the cluster allows.
    const replicationFactor = nodes.length <= 1 ? 1 : Math.min(3, nodes.length);
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.numPartitions, replicationFactor })),
    });
  } finally {
    await admin.disconnect();
  }
}
