// `npm run docs:events`: writes docs/events.md from the event catalogue and its JSON Schemas.
// `--check` writes nothing and exits 1 when the committed file is out of date.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderEventCatalogue } from '../src/events/catalogue-doc.js';

const file = fileURLToPath(new URL('../docs/events.md', import.meta.url));
const text = renderEventCatalogue();
let current: string | undefined;
try {
  current = readFileSync(file, 'utf8');
} catch {
  current = undefined;
}

if (process.argv.includes('--check')) {
  if (current !== text) {
    process.stderr.write('docs/events.md is out of date: run `npm run docs:events`\n');
    process.exitCode = 1;
  } else process.stderr.write('docs/events.md is up to date\n');
} else if (current === text) {
  process.stderr.write('docs/events.md is up to date\n');
} else {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stderr.write(`wrote ${file}\n`);
}
