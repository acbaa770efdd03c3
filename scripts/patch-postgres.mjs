// postgres.js 3.4.9 can crash the whole process when a connection closes with a small write
// still buffered: a setImmediate later calls socket.write on the null socket, an uncatchable
// TypeError (porsager/postgres#1154, #1208; fix proposed in PR #1209, not released). Kabar's
// reliability suite hits it by stopping PostgreSQL under load. Until a release carries the fix,
// `npm install` applies the proposed guard: a write on a closed connection fails the query with
// CONNECTION_CLOSED (a retry can fix that) instead of killing the process.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = '/* kabar: guarded nextWrite */';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'postgres');
if (!existsSync(root)) process.exit(0); // not installed (yet): nothing to patch
const edits = [
  ['  function nextWrite(fn) {\n', `  function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n`],
  ['    clearImmediate(nextWriteTimer)\n    if (socket) {', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {'],
  ['    clearImmediate(nextWriteTimer)\n    socket.removeListener', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener'],
];
for (const file of ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js'].map((f) => join(root, f))) {
  if (!existsSync(file)) continue;
  let text = readFileSync(file, 'utf8');
  if (text.includes(MARK)) continue;
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`patch-postgres: ${file} no longer looks like postgres.js 3.4.9 (missing ${JSON.stringify(from.slice(0, 40))}); check whether the upstream fix landed and drop this script`);
    text = text.replace(from, to);
  }
  writeFileSync(file, text);
}
