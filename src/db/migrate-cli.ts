import { loadConfig } from '../config.js';
import { causes } from '../domain-errors.js';
import { logger } from '../logger.js';
import { openDatabase } from './db-client.js';
import { runMigrations } from './migrate.js';

// `npm run db:migrate`: applies drizzle/ to DATABASE_URL (or the embedded database).
const config = loadConfig();
const handle = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.KABAR_DATA_DIR });
try {
  await runMigrations(handle);
  logger.info({ database: handle.kind }, 'migrations applied');
} catch (err) {
  // The driver's error (the SQL that failed) is wrapped by drizzle's.
  logger.error({ err, cause: causes(err)[1] }, 'migration failed');
  process.exitCode = 1;
} finally {
  await handle.close();
}
