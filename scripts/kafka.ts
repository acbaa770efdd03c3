// `npm run kafka`: a local single-node Kafka for development, with Kabar's topics, until Ctrl-C.
// Data lives in $KABAR_DATA_DIR/kafka (./.kabar/kafka) so topics and offsets survive restarts.
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { ensureTopics } from '../src/kafka/admin.js';
import { startKafkaBroker } from '../src/kafka/broker.js';

const config = loadConfig();
const port = Number(process.env.KAFKA_PORT ?? 9092);
const log = (s: string) => process.stderr.write(`${s}\n`);

const started = Date.now();
const broker = await startKafkaBroker({ port, dataDir: join(config.KABAR_DATA_DIR, 'kafka'), log });
const topics = [config.KAFKA_EVENTS_TOPIC, config.KAFKA_DLQ_TOPIC, config.KAFKA_STATUS_TOPIC];
try {
  await ensureTopics(broker.brokers, topics.map((topic) => ({ topic, numPartitions: config.KAFKA_PARTITIONS })), config.KAFKA_CLIENT_ID);
} catch (err) {
  await broker.stop();
  throw err;
}
log(`Kafka ${broker.brokers} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${broker.pid}); topics: ${topics.join(', ')}`);
console.log(`KAFKA_BROKERS=${broker.brokers}`);
log('Ctrl-C to stop.');

let stopping = false;
const shutdown = async () => {
  if (stopping) process.exit(1); // second Ctrl-C: do not wait any longer
  stopping = true;
  log('Stopping Kafka...');
  await broker.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
