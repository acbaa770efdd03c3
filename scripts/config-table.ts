// `npm run docs:config`: writes the settings table of docs/configuration.md from src/config.ts.
// `--check` writes nothing and exits 1 when the committed table is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withConfigTable } from '../src/config-doc.js';

const file = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
const current = readFileSync(file, 'utf8');
const text = withConfigTable(current);

if (current === text) process.stderr.write('docs/configuration.md is up to date\n');
else if (process.argv.includes('--check')) {
  process.stderr.write('docs/configuration.md is out of date: run `npm run docs:config`\n');
  process.exitCode = 1;
} else {
  writeFileSync(file, text);
  process.stderr.write(`wrote ${file}\n`);
}
