import { pino, type Logger } from 'pino';

// Secrets must never reach a log line, whatever object a caller hands us.
const REDACT = [
  'token', '*.token', '*.*.token', 'tokenEnc', '*.tokenEnc', 'authorization', '*.authorization',
  '*.headers.authorization', 'secret', '*.secret', 'password', '*.password', 'KABAR_JWT_SECRET',
  'KABAR_ENCRYPTION_KEY', '*.KABAR_JWT_SECRET', '*.KABAR_ENCRYPTION_KEY',
];

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return pino({
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}

export const logger = createLogger();
