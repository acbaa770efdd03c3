// The files a single-node KRaft broker starts from: server.properties and its logging config.
import type { KafkaRelease } from './versions.js';

/** One JVM that is broker and controller on 127.0.0.1; the same keys on 3.9 and 4.x. */
export function serverProperties(port: number, controllerPort: number, dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    // A static quorum: 4.x still accepts it (KIP-853's dynamic quorum is optional).
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    // Kabar creates its own topics (ensureTopics); a typo must not create a new one.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    // One node: small internal topics, no rebalance delay, fewer threads and buffers = fast start, small heap.
    'offsets.topic.num.partitions=5',
    'transaction.state.log.num.partitions=5',
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=4',
    'background.threads=4',
    'num.recovery.threads.per.data.dir=1',
    'log.cleaner.threads=1',
    'log.cleaner.dedupe.buffer.size=16777216',
    'log.segment.bytes=67108864',
    'log.retention.hours=168',
    'auto.leader.rebalance.enable=false',
    'delete.topic.enable=true',
    '',
  ].join('\n');
}

/** The logging config file and the JVM flag that points the broker at it. */
export interface LoggingConfig {
  name: string;
  text: string;
  flag: (path: string) => string;
}

export function loggingConfig(release: KafkaRelease, logFile: string): LoggingConfig {
  return release.logging === 'log4j'
    ? { name: 'log4j.properties', text: log4jProperties(logFile), flag: (p) => `-Dlog4j.configuration=file:${p}` }
    : { name: 'log4j2.properties', text: log4j2Properties(logFile), flag: (p) => `-Dlog4j2.configurationFile=${p}` };
}

// WARN and above to a file: the broker's INFO chatter would drown test output.
function log4jProperties(file: string): string {
  return [
    'log4j.rootLogger=WARN, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    'log4j.appender.file.Append=false',
    `log4j.appender.file.File=${file}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka=WARN',
    'log4j.logger.org.apache.kafka=WARN',
    '',
  ].join('\n');
}

function log4j2Properties(file: string): string {
  return [
    'status=warn',
    // Kafka stops log4j itself; log4j's own hook would race it at JVM exit ("Using SimpleLogger").
    'shutdownHook=disable',
    'appender.file.type=File',
    'appender.file.name=file',
    `appender.file.fileName=${file}`,
    'appender.file.append=false',
    'appender.file.layout.type=PatternLayout',
    'appender.file.layout.pattern=[%d] %p %m (%c)%n',
    'rootLogger.level=WARN',
    'rootLogger.appenderRef.file.ref=file',
    '',
  ].join('\n');
}
