import 'reflect-metadata';
import { loadConfig } from './config.js';
import { ensureMigrated } from './db/migration-check.js';
import { demoTokens, ensureDemoTenant } from './embedded.js';
import { logger } from './logger.js';
import { channelsFor, startRuntime, type Runtime } from './runtime.js';

/**
 * `npm start` and `kabar start`: the roles of KABAR_ROLES (every role by default) in one process,
 * stopped cleanly on SIGINT/SIGTERM. Embedded mode with no configuration (PGlite in
 * KABAR_DATA_DIR, in-process events, sandbox providers); servers mode with DATABASE_URL and KAFKA_BROKERS.
 */
export async function runKabar(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const config = loadConfig(env);
  await ensureMigrated(config, logger);
  const runtime = await startRuntime(config, { channels: channelsFor(config) });
  const { app, core, server } = runtime;
  logger.info(
    { url: server?.url, database: core.db.kind, kafka: !!config.KAFKA_BROKERS, roles: config.KABAR_ROLES },
    'Kabar is running',
  );

  if (app && server && config.embedded && config.KABAR_DEMO_TENANT === 'true') {
    const tenantId = await ensureDemoTenant(app);
    const tokens = await demoTokens(app, tenantId);
    const lines = Object.entries(tokens).map(([role, token]) => `  ${role.padEnd(15)} ${token}`);
    // Printed plainly (not through the logger) so a person can copy them; they are development tokens.
    process.stdout.write(
      `\nKabar (embedded mode, data in ${config.KABAR_DATA_DIR}; messages are recorded, not sent)\n` +
        `GraphQL + GraphiQL: ${server.url}\nLive dashboard:     ${server.url.replace(/\/graphql$/, '/dashboard')}\nHTTP ingest:        POST ${server.url.replace(/\/graphql$/, '/events')}\nDemo tenant:        ${tenantId}\n` +
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
  return runtime;
}
