import type { TestProject } from 'vitest/node';
import { startKafkaBroker } from '../scripts/kafka/broker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    /** The local broker's Kafka version; '' for an existing cluster (KAFKA_BROKERS). */
    kafkaVersion: string;
  }
}

/**
 * KAFKA_BROKERS (an existing Kafka 3.9 or 4.x) when set; otherwise one local KRaft broker for the whole
 * run, of KABAR_TEST_KAFKA_VERSION (3.9, 4, or a full version; default the newest 4.x, see scripts/kafka).
 */
export default async function setup(project: TestProject) {
  const existing = process.env.KAFKA_BROKERS?.trim();
  if (existing) {
    project.provide('kafkaBrokers', existing);
    project.provide('kafkaVersion', '');
    return async () => {};
  }
  const started = Date.now();
  const broker = await startKafkaBroker({ log: (s) => process.stderr.write(`[kafka] ${s}\n`) });
  const took = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`[kafka] local Kafka ${broker.version} broker ${broker.brokers} ready in ${took} s\n`);
  project.provide('kafkaBrokers', broker.brokers);
  project.provide('kafkaVersion', broker.version);
  return async () => {
    await broker.stop();
  };
}
