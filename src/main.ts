import 'reflect-metadata';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { demoTokens, ensureDemoTenant } from './embedded.js';
import { logger } from './logger.js';
import { startServer } from './server.js';

// `npm start`: embedded mode with no configuration (PGlite in KABAR_DATA_DIR), or PostgreSQL with DATABASE_URL.
const config = loadConfig();
const app = await createApp(config);
const server = await startServer(app);
logger.info({ url: server.url, database: app.db.kind }, 'Kabar is listening');

if (config.embedded && config.KABAR_DEMO_TENANT === 'true') {
  const tenantId = await ensureDemoTenant(app);
  const tokens = await demoTokens(app, tenantId);
  const lines = Object.entries(tokens).map(([role, token]) => `  ${role.padEnd(15)} ${token}`);
  // Printed plainly (not through the logger) so a person can copy them; they are development tokens.
  process.stdout.write(
    `\nKabar (embedded mode, data in ${config.KABAR_DATA_DIR})\n` +
      `GraphQL + GraphiQL: ${server.url}\nDemo tenant: ${tenantId}\n` +
      `Tokens (send as "Authorization: Bearer <token>"):\n${lines.join('\n')}\n\n`,
  );
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await server.stop();
  await app.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
