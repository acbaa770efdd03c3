import { describe, expect, it } from 'vitest';
import { loggingConfig } from '../../scripts/kafka/config.js';
import { DEFAULT_KAFKA_VERSION, kafkaRelease } from '../../scripts/kafka/versions.js';

describe('KABAR_TEST_KAFKA_VERSION (the local test broker)', () => {
  it('defaults to the newest Kafka 4.x, with the 4.x jar layout and log4j 2', () => {
    expect(DEFAULT_KAFKA_VERSION).toBe('4.4.0');
    expect(kafkaRelease(undefined)).toEqual({ version: '4.4.0', major: 4, pom: 'pom-4.xml', logging: 'log4j2' });
    expect(kafkaRelease('')).toEqual(kafkaRelease('4'));
  });

  it('takes a line or a full version: 3.9 is 3.9.2 with log4j 1, 4.1.1 is a 4.x', () => {
    expect(kafkaRelease('3.9')).toEqual({ version: '3.9.2', major: 3, pom: 'pom-3.xml', logging: 'log4j' });
    expect(kafkaRelease(' 3.9.1 ')).toEqual({ version: '3.9.1', major: 3, pom: 'pom-3.xml', logging: 'log4j' });
    expect(kafkaRelease('4.1.1')).toEqual({ version: '4.1.1', major: 4, pom: 'pom-4.xml', logging: 'log4j2' });
  });

  it('refuses what the launcher cannot run, naming the setting', () => {
    for (const bad of ['3.8.1', '2.8.0', '5.0.0', 'latest', '4.1']) {
      expect(() => kafkaRelease(bad)).toThrow(`KABAR_TEST_KAFKA_VERSION="${bad}"`);
    }
  });

  it('points each line at its own logging backend', () => {
    const three = loggingConfig(kafkaRelease('3.9'), '/tmp/b.log');
    const four = loggingConfig(kafkaRelease('4'), '/tmp/b.log');
    expect([three.name, three.flag('/w/x')]).toEqual(['log4j.properties', '-Dlog4j.configuration=file:/w/x']);
    expect([four.name, four.flag('/w/x')]).toEqual(['log4j2.properties', '-Dlog4j2.configurationFile=/w/x']);
    expect(four.text).toContain('appender.file.fileName=/tmp/b.log');
    expect(three.text).toContain('log4j.appender.file.File=/tmp/b.log');
  });
});
