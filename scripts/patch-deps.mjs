// Fixes to dependencies that upstream has not released yet, applied by `npm install`
// (postinstall). Each edit must still match the installed file exactly: when a release changes
// it, the install fails loudly, so the fix is checked against upstream and this entry dropped.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const patches = [
  {
    // postgres.js 3.4.9 can crash the whole process when a connection closes with a small write
    // still buffered: a setImmediate later calls socket.write on the null socket, an uncatchable
    // TypeError (porsager/postgres#1154, #1208; fix proposed in PR #1209, not released). Kabar's
    // reliability suite hits it by stopping PostgreSQL under load. The proposed guard: a write on
    // a closed connection fails the query with CONNECTION_CLOSED (a retry can fix that) instead
    // of killing the process.
    pkg: 'postgres',
    version: '3.4.9',
    files: ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js'],
    mark: '/* kabar: guarded nextWrite */',
    edits: (mark) => [
      [
        '  function nextWrite(fn) {\n',
        `  function nextWrite(fn) {\n    ${mark}\n    if (!socket) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n`,
      ],
      [
        '    clearImmediate(nextWriteTimer)\n    if (socket) {',
        '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {',
      ],
      [
        '    clearImmediate(nextWriteTimer)\n    socket.removeListener',
        '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener',
      ],
    ],
  },
  {
    // kafkajs 2.2.4: every broker connection re-checks its (empty) queue of pending requests
    // every millisecond, forever, through a timer computed as a negative delay
    // (tulios/kafkajs#1704, #1751; fix proposed in PR #1768, not released). Each Kabar process
    // holds several connections, so the event loop woke thousands of times a second doing
    // nothing, and Node 24 prints a TimeoutNegativeWarning. The proposed fix: with nothing
    // pending and no throttle to wait out, nothing is scheduled (a new request or a response
    // checks the queue anyway).
    pkg: 'kafkajs',
    version: '2.2.4',
    files: ['src/network/requestQueue/index.js'],
    mark: '/* kabar: no idle re-check */',
    edits: (mark) => [
      [
        '        scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL\n      }\n',
        `        scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL\n      } else if (scheduleAt <= 0) {\n        ${mark}\n        return\n      }\n`,
      ],
    ],
  },
];

const modules = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules');
for (const { pkg, version, files, mark, edits } of patches) {
  const root = join(modules, pkg);
  if (!existsSync(root)) continue; // not installed (yet): nothing to patch
  const installed = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  if (installed !== version)
    throw new Error(
      `patch-deps: ${pkg} is ${installed}, the fix here was written for ${version}; check whether the upstream fix landed and drop or update this entry`,
    );
  for (const file of files.map((f) => join(root, f))) {
    if (!existsSync(file)) continue;
    let text = readFileSync(file, 'utf8');
    if (text.includes(mark)) continue;
    for (const [from, to] of edits(mark)) {
      if (!text.includes(from))
        throw new Error(
          `patch-deps: ${file} no longer looks like ${pkg} ${version} (missing ${JSON.stringify(from.slice(0, 40))})`,
        );
      text = text.replace(from, to);
    }
    writeFileSync(file, text);
  }
}
