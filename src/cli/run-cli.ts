import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config.js';
import { formatSummary, replayDlq } from './replay-dlq.js';
import { mintToken } from './token.js';
import { CliError, UsageError } from './usage.js';

// `kabar <command>`: the operator's entry point (bin/kabar.mjs runs this file's caller, src/cli.ts).
// Results go to stdout, progress and diagnostics to stderr, so output can be piped.

const HELP = `Usage: kabar <command> [options]

Commands:
  start [api|dispatcher|scheduler|all]   Run Kabar (default all; a comma list such as api,dispatcher works too).
                                         Same as npm start with KABAR_ROLES set.
  migrate                                Apply the database migrations to DATABASE_URL (or the embedded database).
  kafka [--port 9092]                    Start a local single-node Kafka for development (npm run kafka).
  token --tenant <id> --roles A,B [--sub name] [--expires 30d] [--allow-unknown-tenant]
                                         Mint an HS256 development token with KABAR_JWT_SECRET
                                         (or the embedded KABAR_DATA_DIR/jwt.secret). Roles: PLATFORM_ADMIN,
                                         TENANT_ADMIN, SUPPORT, STAFF, SERVICE. Refuses a tenant that does
                                         not exist unless --allow-unknown-tenant is given.
  replay-dlq [--limit N] [--dry-run] [--json] [--verbose]
                                         Re-validate the dead-letter topic and send the messages that now
                                         pass back to the events topic (KAFKA_BROKERS, KAFKA_DLQ_TOPIC,
                                         KAFKA_EVENTS_TOPIC).
  help [command]                         This text.

Configuration comes from the environment (README, Configuration).`;

const COMMAND_HELP: Record<string, string> = {
  start:
    'Usage: kabar start [api|dispatcher|scheduler|all|<comma list>]\n\nRuns the given roles (default: all) in this process until SIGINT/SIGTERM.',
  migrate:
    'Usage: kabar migrate\n\nApplies drizzle/ migrations to DATABASE_URL (or the embedded PGlite in KABAR_DATA_DIR).',
  kafka:
    "Usage: kabar kafka [--port 9092]\n\nStarts a local single-node KRaft broker (needs java; jars fetched once with mvn), data in KABAR_DATA_DIR/kafka,\ncreates Kabar's topics and prints KAFKA_BROKERS. Ctrl-C stops it.",
  token:
    'Usage: kabar token --tenant <uuid> --roles ROLE[,ROLE…] [--sub <subject>] [--expires <30d|12h|90m…>] [--allow-unknown-tenant]\n\n' +
    'Prints a bearer token signed with KABAR_JWT_SECRET, or the secret embedded mode keeps in KABAR_DATA_DIR/jwt.secret.\n' +
    'A PLATFORM_ADMIN token may omit --tenant. Issuer and audience: KABAR_JWT_ISSUER, KABAR_JWT_AUDIENCE.\n' +
    'The tenant must exist (checked in DATABASE_URL, or with the running embedded Kabar / its data folder): Kabar\n' +
    'refuses tokens for unknown tenants. --allow-unknown-tenant mints without the check (e.g. for a tenant not created yet).',
  'replay-dlq':
    'Usage: kabar replay-dlq [--limit N] [--dry-run] [--json] [--verbose] [--brokers host:port,…]\n\n' +
    'Reads KAFKA_DLQ_TOPIC from the beginning with a fresh consumer group, re-validates every message, and produces\n' +
    'the ones that now pass to KAFKA_EVENTS_TOPIC with their original key, value and headers (kabar-dlq-* removed).\n' +
    'Progress on stderr, summary on stdout (--json for a machine-readable one). Exit code 0 when it ran.',
};

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  env: process.env,
};

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, positionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: positionals > 0,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length > positionals)
    throw new UsageError(`Unexpected argument "${parsed.positionals[positionals]}"`);
  return parsed;
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive whole number (got "${value}")`);
  return n;
}

/** Runs one command; resolves to the exit code (a long-running command resolves once it is up). */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      io.out(`${(rest[0] && COMMAND_HELP[rest[0]]) || HELP}\n`);
      return 0;
    }
    if (!(command in COMMAND_HELP)) throw new UsageError(`Unknown command "${command}"`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`${COMMAND_HELP[command]}\n`);
      return 0;
    }
    switch (command) {
      case 'start':
        return await start(rest, io);
      case 'migrate': {
        parse(rest, {});
        // The same script as `npm run db:migrate` (it sets process.exitCode on failure).
        await import('../db/migrate-cli.js');
        return typeof process.exitCode === 'number' ? process.exitCode : 0;
      }
      case 'kafka':
        // Development tooling (Maven, a JVM) lives in scripts/, which src/ never imports:
        // bin/kabar.mjs runs scripts/kafka.ts for `kabar kafka` before this file is reached.
        throw new UsageError('`kafka` is run by bin/kabar.mjs (`kabar kafka`) or `npm run kafka`, not by src/cli.ts');
      case 'token': {
        const { values } = parse(rest, {
          tenant: { type: 'string', short: 't' },
          roles: { type: 'string', short: 'r' },
          sub: { type: 'string' },
          expires: { type: 'string', short: 'e' },
          'allow-unknown-tenant': { type: 'boolean' },
        });
        if (!values.roles) throw new UsageError('--roles is required (e.g. --roles TENANT_ADMIN)');
        const allowUnknownTenant = values['allow-unknown-tenant'] ?? false;
        const minted = await mintToken(
          { tenant: values.tenant, roles: values.roles, sub: values.sub, expires: values.expires, allowUnknownTenant },
          io.env,
        );
        if (allowUnknownTenant && minted.tenantId)
          io.err(
            `kabar: warning: tenant ${minted.tenantId} was not checked; Kabar refuses this token (UNKNOWN_TENANT) until the tenant exists\n`,
          );
        io.err(
          `token for ${minted.tenantId ? `tenant ${minted.tenantId}` : 'the platform'}, roles ${minted.roles.join(',')}, sub ${minted.sub}, expires ${minted.expiresAt.toISOString()}\n`,
        );
        io.out(`${minted.token}\n`);
        return 0;
      }
      case 'replay-dlq': {
        const { values } = parse(rest, {
          limit: { type: 'string', short: 'n' },
          'dry-run': { type: 'boolean' },
          json: { type: 'boolean' },
          verbose: { type: 'boolean', short: 'v' },
          brokers: { type: 'string' },
        });
        const config = loadConfig(io.env);
        const brokers = values.brokers ?? config.KAFKA_BROKERS;
        if (!brokers) throw new UsageError('Set KAFKA_BROKERS (or --brokers): the dead-letter topic lives in Kafka');
        const summary = await replayDlq({
          brokers,
          dlqTopic: config.KAFKA_DLQ_TOPIC,
          eventsTopic: config.KAFKA_EVENTS_TOPIC,
          clientId: config.KAFKA_CLIENT_ID,
          limit: positiveInt('limit', values.limit),
          dryRun: values['dry-run'] ?? false,
          progress: (line) => io.err(`${line}\n`),
        });
        io.out(
          values.json
            ? `${JSON.stringify(summary, null, 2)}\n`
            : `${formatSummary(summary, values.verbose ?? false)}\n`,
        );
        return 0;
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      io.err(`kabar: ${err.message}\n`);
      return 1;
    }
    if (err instanceof UsageError) {
      io.err(
        `kabar: ${err.message}\n${command && COMMAND_HELP[command] ? `\n${COMMAND_HELP[command]}\n` : '\nRun `kabar help` for the commands.\n'}`,
      );
      return 2;
    }
    io.err(`kabar ${command}: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

async function start(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parse(args, {}, 1);
  const which = positionals[0] ?? 'all';
  const roles = which === 'all' ? 'api,dispatcher,scheduler' : which;
  const list = roles.split(',').map((r) => r.trim());
  if (list.some((r) => !['api', 'dispatcher', 'scheduler'].includes(r))) {
    throw new UsageError(`start takes api, dispatcher, scheduler, all, or a comma list of roles (got "${which}")`);
  }
  io.env.KABAR_ROLES = roles;
  const { runKabar } = await import('../start.js');
  await runKabar(io.env);
  return 0;
}
