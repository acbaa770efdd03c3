// `kabar` (bin/kabar.mjs, npm run cli): see src/cli/run-cli.ts for the commands.
import 'reflect-metadata';
import { runCli } from './cli/run-cli.js';

const code = await runCli(process.argv.slice(2));
// A long-running command (start) keeps the process alive through its servers; the others end here.
if (code !== 0) process.exitCode = code;
