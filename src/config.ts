import { z } from 'zod';

// Every setting Kabar reads, with its default. README's configuration table mirrors this list.
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  KABAR_DATA_DIR: z.string().default('./.kabar'),
  KABAR_ENCRYPTION_KEY: z.string().optional(),
  KABAR_JWT_SECRET: z.string().optional(),
  KABAR_JWKS_URL: z.url().optional(),
  KABAR_JWT_ISSUER: z.string().default('kabar'),
  KABAR_JWT_AUDIENCE: z.string().default('kabar-api'),
  KABAR_PUBLIC_URL: z.string().default('http://localhost:4000'),
  KABAR_MAX_PAGE_SIZE: z.coerce.number().int().positive().default(100),
  KABAR_DEFAULT_PAGE_SIZE: z.coerce.number().int().positive().default(20),
  KABAR_DEMO_TENANT: z.enum(['true', 'false']).default('true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof schema> & { embedded: boolean };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, embedded: !parsed.data.DATABASE_URL };
}
