import 'reflect-metadata';
import { loadConfig } from './config.js';
import { demoTokens, ensureDemoTenant } from './embedded.js';
import { logger } from './logger.js';
import { channelsFor, startRuntime } from './runtime.js';

// `npm start`: every role in one process. Embedded mode with no configuration (PGlite in
// KABAR_DATA_DIR, in-process events, sandbox providers); servers mode with DATABASE_URL and KAFKA_BROKERS.
const config = loadConfig();
const runtime = await startRuntime(config, { channels: channelsFor(config) });
const { app, server } = runtime;
logger.info({ url: server?.url, database: app.db.kind, kafka: !!config.KAFKA_BROKERS, roles: config.KABAR_ROLES }, 'Kabar is running');

if (server && config.embedded && config.KABAR_DEMO_TENANT === 'true') {
  const tenantId = await ensureDemoTenant(app);
  const tokens = await demoTokens(app, tenantId);
  const lines = Object.entries(tokens).map(([role, token]) => `  ${role.padEnd(15)} ${token}`);
  // Printed plainly (not through the logger) so a person can copy them; they are development tokens.
  process.stdout.write(
    `\nKabar (embedded mode, data in ${config.KABAR_DATA_DIR}; messages are recorded, not sent)\n` +
      `GraphQL + GraphiQL: ${server.url}\nHTTP ingest: POST ${server.url.replace(/\/graphql$/, '/events')}\nDemo tenant: ${tenantId}\n` +
      `Tokens (send as "Authorization: Bearer <token>"):\n${lines.join('\n')}\n\n`,
  );
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: draining in-flight work');
  await runtime.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
