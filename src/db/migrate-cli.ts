import { loadConfig } from '../config.js';
import { logger } from '../logger.js';
import { openDatabase } from './client.js';
import { runMigrations } from './migrate.js';

// `npm run db:migrate`: applies drizzle/ to DATABASE_URL (or the embedded database).
const config = loadConfig();
const handle = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.KABAR_DATA_DIR });
try {
  await runMigrations(handle);
  logger.info({ database: handle.kind }, 'migrations applied');
} catch (err) {
  const cause = (err as { cause?: unknown }).cause;
  logger.error({ err, cause }, 'migration failed');
  process.exitCode = 1;
} finally {
  await handle.close();
}
