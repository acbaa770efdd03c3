import 'reflect-metadata';
import { runKabar } from './start.js';

// `npm start`: every role in one process (or those of KABAR_ROLES). The body lives in src/start.ts,
// shared with `kabar start`.
await runKabar();
