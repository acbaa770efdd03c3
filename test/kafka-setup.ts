import type { TestProject } from 'vitest/node';
import { startKafkaBroker } from '../scripts/kafka/broker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

/** KAFKA_BROKERS (an existing Kafka 3.x) when set; otherwise one local KRaft broker for the whole run. */
export default async function setup(project: TestProject) {
  const existing = process.env.KAFKA_BROKERS?.trim();
  if (existing) {
    project.provide('kafkaBrokers', existing);
    return async () => {};
  }
  const started = Date.now();
  const broker = await startKafkaBroker({ log: (s) => process.stderr.write(`[kafka] ${s}\n`) });
  process.stderr.write(`[kafka] local broker ${broker.brokers} ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  project.provide('kafkaBrokers', broker.brokers);
  return async () => {
    await broker.stop();
  };
}
