#!/usr/bin/env node
// `kabar …`: runs src/cli.ts with Node >= 22 and tsx, like scripts/node.sh does for the npm
// scripts: this node when new enough, otherwise the one scripts/ensure-node.sh provides.
// The working directory is kept, so relative settings (KABAR_DATA_DIR=./.kabar) mean the same
// as for npm scripts run from there.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx')).href;
// `kabar start` runs with npm start's heap flags (package.json), so it is the same server.
const heap =
  process.argv[2] === 'start'
    ? (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start.match(/--max-[a-z-]+=\d+/g) ?? [])
    : [];
// `kabar kafka` is development tooling (Maven, a JVM) kept out of src/: it runs scripts/kafka.ts.
const kafka = process.argv[2] === 'kafka';
const entry = kafka ? join(root, 'scripts', 'kafka.ts') : join(root, 'src', 'cli.ts');
const args = [...heap, '--import', tsx, entry, ...process.argv.slice(kafka ? 3 : 2)];

let node = process.execPath;
if (Number(process.versions.node.split('.')[0]) < 22) {
  const bin = execFileSync('bash', [join(root, 'scripts', 'ensure-node.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  node = join(bin, 'node');
}

// tsx reads tsconfig.json from the working directory; Kabar's (decorators) must apply wherever we run.
const env = { ...process.env, TSX_TSCONFIG_PATH: process.env.TSX_TSCONFIG_PATH || join(root, 'tsconfig.json') };

if (typeof process.execve === 'function') {
  // Become the CLI process: signals, exit code and stdio need no relaying.
  process.execve(node, [node, ...args], env);
} else {
  const child = spawn(node, args, { stdio: 'inherit', env });
  // Ctrl-C reaches the child through the terminal already; a SIGTERM sent to us is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
}
