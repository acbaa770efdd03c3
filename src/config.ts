import { z } from 'zod';

// Every setting Kabar reads, with its default. docs/configuration.md and .env.example mirror this list (a test checks .env.example).
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  // Named prepared statements; set false behind a transaction-mode pooler (PgBouncer).
  DATABASE_PREPARED_STATEMENTS: z.enum(['true', 'false']).default('true'),
  KABAR_DATA_DIR: z.string().default('./.kabar'),
  KABAR_ENCRYPTION_KEY: z.string().optional(),
  KABAR_JWT_SECRET: z.string().optional(),
  KABAR_JWKS_URL: z.url().optional(),
  KABAR_JWT_ISSUER: z.string().default('kabar'),
  KABAR_JWT_AUDIENCE: z.string().default('kabar-api'),
  KABAR_PUBLIC_URL: z.string().default('http://localhost:4000'),
  KABAR_MAX_PAGE_SIZE: z.coerce.number().int().positive().default(100),
  KABAR_DEFAULT_PAGE_SIZE: z.coerce.number().int().positive().default(20),
  // GraphQL abuse limits (src/graphql/limits.ts)
  KABAR_GRAPHQL_MAX_DEPTH: z.coerce.number().int().positive().default(10),
  KABAR_GRAPHQL_MAX_INTROSPECTION_DEPTH: z.coerce.number().int().positive().default(15),
  KABAR_GRAPHQL_MAX_COST: z.coerce.number().int().positive().default(10_000),
  KABAR_GRAPHQL_MAX_ALIASES: z.coerce.number().int().nonnegative().default(15),
  KABAR_GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().nonnegative().default(50),
  KABAR_GRAPHQL_MAX_TOKENS: z.coerce.number().int().positive().default(1000),
  KABAR_GRAPHQL_MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  KABAR_DEMO_TENANT: z.enum(['true', 'false']).default('true'),
  // Kafka (unset = in-process bus, embedded mode)
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_CLIENT_ID: z.string().default('kabar'),
  KAFKA_EVENTS_TOPIC: z.string().default('kabar.events'),
  KAFKA_DLQ_TOPIC: z.string().default('kabar.events.dlq'),
  KAFKA_STATUS_TOPIC: z.string().default('kabar.delivery-status'),
  KAFKA_LIVE_TOPIC: z.string().default('kabar.live'),
  KAFKA_PARTITIONS: z.coerce.number().int().positive().default(6),
  KAFKA_CONSUMER_GROUP: z.string().default('kabar-dispatcher'),
  KABAR_ROLES: z.string().default('api,dispatcher,scheduler'),
  KABAR_MAX_IN_FLIGHT: z.coerce.number().int().positive().default(10),
  // Events of one tenant taken from a Kafka batch and recorded in one transaction.
  KABAR_DISPATCH_BATCH: z.coerce.number().int().positive().default(200),
  // Provider calls in flight at once in a dispatcher process (four chunks of a quarter each).
  KABAR_PROVIDER_CONCURRENCY: z.coerce.number().int().positive().default(64),
  KABAR_DEDUP_WINDOW_SECONDS: z.coerce.number().int().nonnegative().default(300),
  KABAR_MAX_SEND_ATTEMPTS: z.coerce.number().int().positive().default(6),
  KABAR_RETRY_BASE_MS: z.coerce.number().int().positive().default(500),
  // A send still "sending" after this long was cut off by a crash (more than twice the provider timeout).
  KABAR_SEND_LEASE_MS: z.coerce.number().int().positive().default(300_000),
  // Channels whose provider reports every accepted message back (webhook receipts): a cut-off send without a receipt is resent.
  KABAR_RECEIPT_CHANNELS: z.string().default('WHATSAPP,SMS,EMAIL'),
  KABAR_RECEIPT_GRACE_MS: z.coerce.number().int().nonnegative().default(30_000),
  // Webhook calls are remembered this long, so a replay changes nothing; older signed SNS messages are refused.
  KABAR_WEBHOOK_REPLAY_DAYS: z.coerce.number().positive().default(7),
  KABAR_CONFIG_CACHE_MS: z.coerce.number().int().nonnegative().default(30000),
  KABAR_CREDIT_ALERT_INTERVAL_SECONDS: z.coerce.number().int().nonnegative().default(3600),
  // Providers (docs/providers.md); unset credentials in embedded mode = sandbox (recorded, not sent)
  KABAR_SANDBOX_PROVIDERS: z.enum(['true', 'false']).optional(),
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  WHATSAPP_API_URL: z.string().default('https://waba-v2.360dialog.io'),
  // Meta's throughput per sender number (80 by default, up to 1,000 once Meta upgrades the number):
  // this dispatcher process sends at most this many WhatsApp messages in any one-second window per number.
  WHATSAPP_MAX_MESSAGES_PER_SECOND: z.coerce.number().int().positive().default(80),
  // Meta's pair rate: about one message every 6 s from a number to one recipient, with bursts of up to
  // 45 borrowed from later. Faster sends are delayed (never dropped); a 131056 is retried after at least this.
  WHATSAPP_PAIR_INTERVAL_MS: z.coerce.number().int().positive().default(6000),
  WHATSAPP_PAIR_BURST: z.coerce.number().int().positive().default(45),
  SES_ENDPOINT: z.string().optional(),
  AWS_REGION: z.string().default('ap-southeast-1'),
  SES_FROM_ADDRESS: z.string().default('no-reply@kabar.local'),
  SES_CONFIGURATION_SET: z.string().optional(),
  SMS_API_URL: z.string().default('https://api.twilio.com'),
  SMS_ACCOUNT_SID: z.string().default(''),
  SMS_AUTH_TOKEN: z.string().default(''),
  SMS_FROM: z.string().default(''),
  FCM_API_URL: z.string().default('https://fcm.googleapis.com'),
  FCM_PROJECT_ID: z.string().default(''),
  FCM_ACCESS_TOKEN: z.string().optional(),
  // SigningCertURL hosts: sns.<region>.amazonaws.com, GovCloud's alike, China's under amazonaws.com.cn.
  SNS_CERT_HOST_PATTERN: z.string().default('^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$'),
  // SNS topics whose messages (SES events) are taken, comma-separated; unset = any topic (set it in production:
  // anyone can publish AWS-signed messages to a topic of their own and subscribe Kabar's URL to it).
  SNS_TOPIC_ARNS: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).refine((c) => c.PROVIDER_TIMEOUT_MS < c.KABAR_SEND_LEASE_MS / 2, {
  // A message claimed at dispatch is called while its claim is younger than half the lease: the
  // call must end before the lease does, or the retry sweep sends it a second time.
  path: ['KABAR_SEND_LEASE_MS'],
  message: 'must be more than twice PROVIDER_TIMEOUT_MS',
});

export type Config = z.infer<typeof schema> & { embedded: boolean };

/** The names of every setting (for .env.example's test). */
export const CONFIG_KEYS: readonly string[] = Object.keys(schema.shape);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset: a .env copied from .env.example, or compose's ${VAR:-}, leaves some empty.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, embedded: !parsed.data.DATABASE_URL };
}
