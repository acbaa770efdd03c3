import { z } from 'zod';

// Every setting Kabar reads, with its default and its meaning (`meta`). docs/configuration.md's table is generated
// from it (npm run docs:config); .env.example lists the same names. Tests check both.
const schema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(4000).meta({ description: 'HTTP and WebSocket port' }),
    HOST: z.string().default('0.0.0.0').meta({ description: 'Listen address' }),
    DATABASE_URL: z
      .string()
      .optional()
      .meta({ description: 'PostgreSQL connection string', shown: 'unset (embedded PGlite)' }),
    DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10).meta({ description: 'postgres.js pool size' }),
    // Named prepared statements; set false behind a transaction-mode pooler (PgBouncer).
    DATABASE_PREPARED_STATEMENTS: z
      .enum(['true', 'false'])
      .default('true')
      .meta({
        description:
          'Named prepared statements: one round trip per parameterised statement instead of two (postgres.js ' +
          'sends an unnamed one as parse-and-describe, then bind-and-execute), parsed once per connection. ' +
          'Verified against the PostgreSQL-restart and crash suites at full scale. Set `false` behind a ' +
          'transaction-mode pooler (PgBouncer), which cannot keep a statement on a connection',
      }),
    // Start-up with DATABASE_URL: check = stop when migrations are missing, auto = apply them, off = no check.
    KABAR_MIGRATE: z
      .enum(['check', 'auto', 'off'])
      .default('check')
      .meta({
        description:
          "Start-up with `DATABASE_URL`: `check` stops with one line naming `npm run db:migrate` when Kabar's " +
          'migrations are missing or pending; `auto` applies them (one process at a time, under an advisory ' +
          'lock); `off` skips the check. Embedded mode always applies its own',
      }),
    KABAR_DATA_DIR: z
      .string()
      .default('./.kabar')
      .meta({ description: 'Embedded mode: PGlite data and generated keys' }),
    KABAR_ENCRYPTION_KEY: z.string().optional().meta({
      description: '32-byte key (64 hex chars) for secrets at rest; required with `DATABASE_URL`',
      shown: 'generated in embedded mode',
    }),
    KABAR_JWT_SECRET: z
      .string()
      .optional()
      .meta({ description: 'HS256 secret for bearer tokens', shown: 'generated in embedded mode' }),
    KABAR_JWKS_URL: z.url().optional().meta({ description: 'Verify tokens against a JWKS instead (RS/ES/PS/EdDSA)' }),
    KABAR_JWT_ISSUER: z.string().default('kabar').meta({ description: 'Required `iss`' }),
    KABAR_JWT_AUDIENCE: z.string().default('kabar-api').meta({ description: 'Required `aud`' }),
    KABAR_PUBLIC_URL: z
      .string()
      .default('http://localhost:4000')
      .meta({ description: 'Externally reachable base URL (webhooks, dispatch)' }),
    KABAR_MAX_PAGE_SIZE: z.coerce
      .number()
      .int()
      .positive()
      .default(100)
      .meta({ description: 'Largest `first` accepted' }),
    KABAR_DEFAULT_PAGE_SIZE: z.coerce
      .number()
      .int()
      .positive()
      .default(20)
      .meta({ description: '`first` when omitted' }),
    // GraphQL abuse limits (src/graphql/limits.ts)
    KABAR_GRAPHQL_MAX_DEPTH: z.coerce
      .number()
      .int()
      .positive()
      .default(10)
      .meta({ description: 'Deepest field nesting of an operation (root fields are depth 1)' }),
    KABAR_GRAPHQL_MAX_INTROSPECTION_DEPTH: z.coerce
      .number()
      .int()
      .positive()
      .default(15)
      .meta({ description: "The same below `__schema` / `__type` (GraphiQL's introspection query needs 15)" }),
    KABAR_GRAPHQL_MAX_COST: z.coerce
      .number()
      .int()
      .positive()
      .default(10_000)
      .meta({
        description:
          'Largest operation cost (fields × `first` / list sizes; see *Request limits* in ' +
          '[architecture.md](architecture.md#api))',
      }),
    KABAR_GRAPHQL_MAX_ALIASES: z.coerce
      .number()
      .int()
      .nonnegative()
      .default(15)
      .meta({ description: 'Aliases in one document' }),
    KABAR_GRAPHQL_MAX_DIRECTIVES: z.coerce
      .number()
      .int()
      .nonnegative()
      .default(50)
      .meta({ description: 'Directives in one document' }),
    KABAR_GRAPHQL_MAX_TOKENS: z.coerce
      .number()
      .int()
      .positive()
      .default(1000)
      .meta({ description: 'Lexical tokens in one document (parsing stops past it)' }),
    KABAR_GRAPHQL_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1_048_576)
      .meta({ description: 'Largest `/graphql` request body (after gzip inflation) and graphql-ws message' }),
    KABAR_DEMO_TENANT: z
      .enum(['true', 'false'])
      .default('true')
      .meta({ description: 'Embedded mode: create the demo tenant and print tokens' }),
    // Kafka (unset = in-process bus, embedded mode)
    KAFKA_BROKERS: z
      .string()
      .optional()
      .meta({ description: 'Comma list of Kafka brokers (3.9 and 4.x both work)', shown: 'unset (in-process bus)' }),
    KAFKA_CLIENT_ID: z.string().default('kabar').meta({ description: 'kafkajs client id' }),
    KAFKA_EVENTS_TOPIC: z.string().default('kabar.events').meta({ description: 'Partner events' }),
    KAFKA_DLQ_TOPIC: z
      .string()
      .default('kabar.events.dlq')
      .meta({ description: 'Rejected messages, original bytes + `kabar-dlq-reason` header' }),
    KAFKA_STATUS_TOPIC: z
      .string()
      .default('kabar.delivery-status')
      .meta({ description: 'Every delivery status change, key = tenant id' }),
    KAFKA_LIVE_TOPIC: z
      .string()
      .default('kabar.live')
      .meta({ description: 'Internal: changes fanned out to every API instance' }),
    KAFKA_PARTITIONS: z.coerce
      .number()
      .int()
      .positive()
      .default(6)
      .meta({ description: 'Partitions of the topics Kabar creates' }),
    KAFKA_CONSUMER_GROUP: z
      .string()
      .default('kabar-dispatcher')
      .meta({ description: "The dispatchers' consumer group" }),
    KABAR_ROLES: z.string().default('api,dispatcher,scheduler').meta({ description: 'Roles this process runs' }),
    KABAR_MAX_IN_FLIGHT: z.coerce
      .number()
      .int()
      .positive()
      .default(10)
      .meta({
        description:
          "Units of work in flight per consumer (a unit: one tenant's events of a Kafka batch); events in " +
          'flight in embedded mode',
      }),
    // Events of one tenant taken from a Kafka batch and recorded in one transaction.
    KABAR_DISPATCH_BATCH: z.coerce
      .number()
      .int()
      .positive()
      .default(200)
      .meta({ description: 'At most this many events of one tenant in one unit (one transaction)' }),
    // Provider calls in flight at once in a dispatcher process (four chunks of a quarter each).
    KABAR_PROVIDER_CONCURRENCY: z.coerce
      .number()
      .int()
      .positive()
      .default(64)
      .meta({
        description:
          'Provider calls in flight at once in a dispatcher process: messages are sent and recorded in four ' +
          'concurrent chunks of a quarter of this; a chunk takes its slot before it claims its messages (or, ' +
          'for messages claimed as they were recorded, renews a claim older than half the send lease)',
      }),
    KABAR_DEDUP_WINDOW_SECONDS: z.coerce
      .number()
      .int()
      .nonnegative()
      .default(300)
      .meta({ description: 'Duplicate-event fast path' }),
    KABAR_MAX_SEND_ATTEMPTS: z.coerce
      .number()
      .int()
      .positive()
      .default(6)
      .meta({ description: 'Attempts before a transient failure becomes FAILED' }),
    KABAR_RETRY_BASE_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(500)
      .meta({ description: 'Backoff base (doubles per attempt, full jitter, 5 min cap)' }),
    // How long a dispatcher that died without leaving (kill -9) holds its partitions.
    KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000).meta({
      description:
        "Dispatchers' consumer session timeout: a dispatcher that dies without leaving keeps its partitions this long",
    }),
    // A send still "sending" after this long was cut off by a crash (more than twice the provider timeout).
    KABAR_SEND_LEASE_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(300_000)
      .meta({
        description:
          'A send still "sending" this long was cut off by a crash: resent if its channel reports receipts and ' +
          'none came, else FAILED (`INTERRUPTED`). Longer than any receipt delay, and more than twice ' +
          '`PROVIDER_TIMEOUT_MS` (checked at start: a message claimed at dispatch is called while its claim is ' +
          'younger than half the lease)',
      }),
    // Channels whose provider reports every accepted message back (webhook receipts): a cut-off send without a receipt is resent.
    KABAR_RECEIPT_CHANNELS: z
      .string()
      .default('WHATSAPP,SMS,EMAIL')
      .meta({
        description:
          'Channels whose provider reports every accepted message back (SES needs event publishing with the ' +
          '`Send` event)',
      }),
    KABAR_RECEIPT_GRACE_MS: z.coerce
      .number()
      .int()
      .nonnegative()
      .default(30_000)
      .meta({
        description:
          'A send on such a channel that got no answer but may have arrived (a timeout, a connection lost ' +
          'mid-request) waits at least this long before it is sent again, so its receipt can settle it first',
      }),
    // Webhook calls are remembered this long, so a replay changes nothing; older signed SNS messages are refused.
    KABAR_WEBHOOK_REPLAY_DAYS: z.coerce
      .number()
      .positive()
      .default(7)
      .meta({
        description:
          'Provider webhook calls are remembered this long (a replay changes nothing); signed SNS messages ' +
          'outside this window are refused',
      }),
    KABAR_CONFIG_CACHE_MS: z.coerce
      .number()
      .int()
      .nonnegative()
      .default(30000)
      .meta({
        description:
          "How long a process keeps a tenant's configuration for dispatch. A change made through the API clears " +
          'it in every process as it commits (PostgreSQL `NOTIFY kabar_config`), so this only bounds rows ' +
          'edited by hand (`0` = off)',
      }),
    KABAR_CREDIT_ALERT_INTERVAL_SECONDS: z.coerce
      .number()
      .int()
      .nonnegative()
      .default(3600)
      .meta({ description: 'At most one `credit.insufficient` per tenant per interval' }),
    // Providers (docs/providers.md); unset credentials in embedded mode = sandbox (recorded, not sent)
    KABAR_SANDBOX_PROVIDERS: z.enum(['true', 'false']).optional().meta({
      description: 'Record messages instead of sending',
      shown: '`true` embedded, `false` with `DATABASE_URL`',
    }),
    PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000).meta({ description: 'Per provider call' }),
    WHATSAPP_API_URL: z
      .string()
      .default('https://waba-v2.360dialog.io')
      .meta({ description: '360dialog base URL (key per tenant)' }),
    // Meta's throughput per sender number (80 by default, up to 1,000 once Meta upgrades the number):
    // this dispatcher process sends at most this many WhatsApp messages in any one-second window per number.
    WHATSAPP_MAX_MESSAGES_PER_SECOND: z.coerce
      .number()
      .int()
      .positive()
      .default(80)
      .meta({
        description:
          "Meta's throughput for a sender number: a dispatcher sends at most this many WhatsApp messages per " +
          'number in any one-second window (raise it when Meta upgrades the number, up to 1,000); see *WhatsApp ' +
          'throughput*',
      }),
    // Meta's pair rate: about one message every 6 s from a number to one recipient, with bursts of up to
    // 45 borrowed from later. Faster sends are delayed (never dropped); a 131056 is retried after at least this.
    WHATSAPP_PAIR_INTERVAL_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(6000)
      .meta({
        description:
          "Meta's pair rate: one message per this interval from a number to one recipient once the burst is " +
          'spent; a `131056` is retried no sooner',
      }),
    WHATSAPP_PAIR_BURST: z.coerce
      .number()
      .int()
      .positive()
      .default(45)
      .meta({
        description:
          'Messages a number may send one recipient at once before the interval applies (Meta lets a burst ' +
          'borrow from later)',
      }),
    SES_ENDPOINT: z.string().optional().meta({
      description: 'SES v1 endpoint (SendEmail, form-encoded and SigV4-signed as the SDK sends it)',
      shown: 'unset (AWS: `https://email.<AWS_REGION>.amazonaws.com`)',
    }),
    AWS_REGION: z
      .string()
      .default('ap-southeast-1')
      .meta({ description: 'SES region (credentials: the AWS default chain)' }),
    SES_FROM_ADDRESS: z.string().default('no-reply@kabar.local').meta({ description: 'Verified sender' }),
    SES_CONFIGURATION_SET: z
      .string()
      .optional()
      .meta({ description: 'SES configuration set (event publishing to SNS)' }),
    SMS_API_URL: z.string().default('https://api.twilio.com').meta({ description: 'Twilio-style SMS base URL' }),
    SMS_ACCOUNT_SID: z.string().default('').meta({ description: 'SMS account SID (Twilio-style API)' }),
    SMS_AUTH_TOKEN: z.string().default('').meta({ description: 'SMS auth token; it also verifies status callbacks' }),
    SMS_FROM: z.string().default('').meta({ description: 'SMS sender number' }),
    FCM_API_URL: z.string().default('https://fcm.googleapis.com').meta({ description: 'FCM HTTP v1 base URL' }),
    FCM_PROJECT_ID: z.string().default('').meta({ description: 'FCM project id' }),
    FCM_ACCESS_TOKEN: z.string().optional().meta({ description: 'FCM bearer token' }),
    // SigningCertURL hosts: sns.<region>.amazonaws.com, GovCloud's alike, China's under amazonaws.com.cn.
    SNS_CERT_HOST_PATTERN: z
      .string()
      .default('^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$')
      .meta({
        description:
          'Allowed SNS signing-certificate hosts (GovCloud and China included); the URL must also be ' +
          '`https://<host>/SimpleNotificationService-<hex>.pem` with no port, query or fragment, and its body ' +
          'exactly one PEM certificate',
      }),
    // SNS topics whose messages (SES events) are taken, comma-separated; unset = any topic (set it in production:
    // anyone can publish AWS-signed messages to a topic of their own and subscribe Kabar's URL to it).
    SNS_TOPIC_ARNS: z
      .string()
      .default('')
      .meta({
        description:
          'SNS topic ARNs whose messages `/webhooks/ses` takes, comma-separated; set it in production, or ' +
          "anyone's own AWS-signed topic can post SES events",
        shown: 'empty (any topic)',
      }),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .meta({ description: 'pino level (`silent` in tests)' }),
  })
  .refine((c) => c.PROVIDER_TIMEOUT_MS < c.KABAR_SEND_LEASE_MS / 2, {
    // A message claimed at dispatch is called while its claim is younger than half the lease: the
    // call must end before the lease does, or the retry sweep sends it a second time.
    path: ['KABAR_SEND_LEASE_MS'],
    message: 'must be more than twice PROVIDER_TIMEOUT_MS',
  });

export type Config = z.infer<typeof schema> & { embedded: boolean };

/** The names of every setting (for .env.example's test). */
export const CONFIG_KEYS: readonly string[] = Object.keys(schema.shape);

/** Each setting's schema, for docs/configuration.md's generated table (src/config-doc.ts). */
export const CONFIG_FIELDS: Readonly<Record<string, z.ZodType>> = schema.shape;

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
