import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Production code (src/) ships in the image; scripts/, test/ and bench/ are tooling (the Kafka
// launcher with Maven and a JVM, fakes, load generators) and must never be pulled in by it.

const root = fileURLToPath(new URL('../..', import.meta.url));
const TOOLING = ['scripts', 'test', 'bench'];

/** Module specifiers and import.meta.url-relative paths a source file refers to. */
export function referencedPaths(text: string): string[] {
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g, // import … from / export … from
    /\bimport\s*['"]([^'"]+)['"]/g, // side-effect import
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // dynamic import
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bnew\s+URL\s*\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g,
  ];
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]!));
}

/** The tooling folders (scripts/, test/, bench/) a file under src/ reaches, as "specifier -> repo path". */
export function toolingReferences(file: string, text: string): string[] {
  return referencedPaths(text).flatMap((spec) => {
    if (!spec.startsWith('.')) return [];
    const target = relative(root, resolve(dirname(file), spec));
    const top = target.split(sep)[0]!;
    return TOOLING.includes(top) ? [`${spec} -> ${target}`] : [];
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(e.name) ? [path] : [];
  });
}

describe('src/ stays production code', () => {
  const files = sourceFiles(join(root, 'src'));

  it('no file under src/ imports from scripts/, test/ or bench/', () => {
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((f) =>
      toolingReferences(f, readFileSync(f, 'utf8')).map((r) => `${relative(root, f)}: ${r}`),
    );
    expect(found).toEqual([]);
  });

  it('no file under src/ starts processes (the Kafka broker launcher with its JVM is tooling)', () => {
    const spawns = (f: string) => /['"](node:)?child_process['"]/.test(readFileSync(f, 'utf8'));
    const found = files.filter(spawns).map((f) => relative(root, f));
    expect(found).toEqual([]);
  });

  it('catches each way of reaching tooling (the check itself can fail)', () => {
    const file = join(root, 'src', 'cli', 'index.ts');
    const text = [
      "import { startKafkaBroker } from '../../scripts/kafka/broker.js';",
      "export { x } from '../../test/helpers/app.js';",
      "await import('../../scripts/kafka.js');",
      "import '../../bench/run.js';",
      "const r = require('../../test/fakes/x.js');",
      "const pom = new URL('../../scripts/kafka/pom-4.xml', import.meta.url);",
      "import { loadConfig } from '../config.js';",
      "import { Kafka } from 'kafkajs';",
      "const m = new URL('../../drizzle', import.meta.url);",
    ].join('\n');
    expect(toolingReferences(file, text)).toEqual([
      '../../scripts/kafka/broker.js -> scripts/kafka/broker.js',
      '../../test/helpers/app.js -> test/helpers/app.js',
      '../../bench/run.js -> bench/run.js',
      '../../scripts/kafka.js -> scripts/kafka.js',
      '../../test/fakes/x.js -> test/fakes/x.js',
      '../../scripts/kafka/pom-4.xml -> scripts/kafka/pom-4.xml',
    ]);
  });
});
