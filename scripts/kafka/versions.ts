// Which Apache Kafka the local broker (tests, `npm run kafka`, bench) runs, and its jar layout.
// KABAR_TEST_KAFKA_VERSION picks it: a full version (4.1.1), a line (3.9 / 4) or unset (the default).

/** Newest Kafka 4.x on Maven Central that runs on Java 17 (its server jars are Java 17 bytecode). */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

/** The newest of each line the launcher is tested with; `3.9` and `4` name them. */
const LINES: Record<string, string> = { '3': '3.9.2', '3.9': '3.9.2', '4': DEFAULT_KAFKA_VERSION };

export interface KafkaRelease {
  version: string;
  major: 3 | 4;
  /** The Maven dependency list beside this file for the major's jar layout. */
  pom: 'pom-3.xml' | 'pom-4.xml';
  /** log4j 1 (reload4j) up to 3.x, log4j 2 from 4.0 (KIP-653). */
  logging: 'log4j' | 'log4j2';
}

/** Reads the setting (default: KABAR_TEST_KAFKA_VERSION); throws a readable error for anything else. */
export function kafkaRelease(setting: string | undefined = process.env.KABAR_TEST_KAFKA_VERSION): KafkaRelease {
  const wanted = setting?.trim() || DEFAULT_KAFKA_VERSION;
  const version = LINES[wanted] ?? wanted;
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  const major = Number(m?.[1]);
  const minor = Number(m?.[2]);
  // KRaft without ZooKeeper in one JVM, with the settings config.ts writes: 3.9 (ZooKeeper's last
  // line, KRaft complete) and 4.x (KRaft only). Older 3.x lines lack parts of what we configure.
  if (!m || !((major === 3 && minor === 9) || major === 4)) {
    const use = `use 3.9, 4, or a 3.9.x / 4.x.y version (default ${DEFAULT_KAFKA_VERSION})`;
    throw new Error(`KABAR_TEST_KAFKA_VERSION="${wanted}": ${use}`);
  }
  return major === 3
    ? { version, major: 3, pom: 'pom-3.xml', logging: 'log4j' }
    : { version, major: 4, pom: 'pom-4.xml', logging: 'log4j2' };
}
