// `npm run kafka` and `kabar kafka` (bin/kabar.mjs runs this file for it): a local single-node Kafka
// for development, with Kabar's topics, until Ctrl-C. Data lives in $KABAR_DATA_DIR/kafka
// (./.kabar/kafka) so topics and offsets survive restarts. Development tooling: src/ never imports it.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { ensureTopics } from '../src/kafka/kafka-admin.js';
import { startKafkaBroker } from './kafka/broker.js';

const USAGE = 'Usage: kabar kafka [--port 9092]   (or: npm run kafka -- --port 9092)';
let args;
try {
  const options = { port: { type: 'string', short: 'p' }, help: { type: 'boolean', short: 'h' } } as const;
  args = parseArgs({ options, strict: true }).values;
} catch (err) {
  process.stderr.write(`kabar kafka: ${(err as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const port = Number(args.port ?? process.env.KAFKA_PORT ?? 9092);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  const given = args.port ?? process.env.KAFKA_PORT;
  process.stderr.write(`kabar kafka: --port must be a port number (got "${given}")\n${USAGE}\n`);
  process.exit(2);
}
const config = loadConfig();
const log = (s: string) => process.stderr.write(`${s}\n`);

const started = Date.now();
const broker = await startKafkaBroker({ port, dataDir: join(config.KABAR_DATA_DIR, 'kafka'), log });
const topics = [config.KAFKA_EVENTS_TOPIC, config.KAFKA_DLQ_TOPIC, config.KAFKA_STATUS_TOPIC];
try {
  const specs = topics.map((topic) => ({ topic, numPartitions: config.KAFKA_PARTITIONS }));
  await ensureTopics(broker.brokers, specs, config.KAFKA_CLIENT_ID);
} catch (err) {
  await broker.stop();
  throw err;
}
const took = ((Date.now() - started) / 1000).toFixed(1);
log(`Kafka ${broker.version} ${broker.brokers} ready in ${took} s (pid ${broker.pid}); topics: ${topics.join(', ')}`);
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
