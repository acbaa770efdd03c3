import { defineConfig } from 'drizzle-kit';

// Generation is offline (no database needed); migrations are applied by src/db/migrate.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './drizzle',
});
