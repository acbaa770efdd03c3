// Downloads the broker jars of one Kafka version once (Maven) into a cache outside the repo.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTool, run, tail } from './process.js';
import type { KafkaRelease } from './versions.js';

type Log = (s: string) => void;

export interface JarOptions {
  release: KafkaRelease;
  /** The version's own folder; default $KABAR_KAFKA_CACHE/kafka-<version> (~/.cache/kabar-kafka). */
  cacheDir?: string;
  log?: Log;
}

/** Returns the folder holding every runtime jar of the release (the broker's classpath). */
export async function ensureKafkaJars({ release, cacheDir, log = () => {} }: JarOptions): Promise<string> {
  const root = process.env.KABAR_KAFKA_CACHE || join(homedir(), '.cache', 'kabar-kafka');
  const dir = resolve(cacheDir ?? join(root, `kafka-${release.version}`));
  const libs = join(dir, 'libs');
  await requireTool('java', 'a Java runtime (17+)');
  const pom = fileURLToPath(new URL(`./${release.pom}`, import.meta.url));
  // The marker holds the pom's and the version's hash, so editing the pom refreshes the cache.
  const hash = createHash('sha256')
    .update(await readFile(pom))
    .update(release.version)
    .digest('hex');
  if (await markerMatches(libs, hash)) return libs;

  const mvn = await requireTool('mvn', 'Maven (to download the Kafka broker jars once)');
  await mkdir(dir, { recursive: true });
  // Download next to the final folder, then rename: a concurrent run never sees half a download.
  const staging = await mkdtemp(join(dir, 'libs.tmp-'));
  log(`Downloading Kafka ${release.version} jars into ${libs} (once)...`);
  const started = Date.now();
  try {
    const args = ['-q', '-B', '-Dstyle.color=never', '-f', pom, `-Dkafka.version=${release.version}`];
    args.push('dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime');
    const { code, output } = await run(mvn, args);
    if (code !== 0) {
      throw new Error(`mvn failed (exit ${code}) while fetching Kafka ${release.version} jars:\n${tail(output, 30)}`);
    }
    await writeFile(join(staging, '.complete'), hash);
    await rm(libs, { recursive: true, force: true });
    await rename(staging, libs);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if (await markerMatches(libs, hash)) return libs; // another run won the race
    throw err;
  }
  log(`Kafka ${release.version} jars ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return libs;
}

async function markerMatches(libs: string, hash: string): Promise<boolean> {
  try {
    return (await readFile(join(libs, '.complete'), 'utf8')).trim() === hash;
  } catch {
    return false;
  }
}
