import { pino, type DestinationStream, type Logger } from 'pino';

// Secrets must never reach a log line, whatever object a caller hands us.
const REDACT = [
  'token',
  '*.token',
  '*.*.token',
  'tokenEnc',
  '*.tokenEnc',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'KABAR_JWT_SECRET',
  'KABAR_ENCRYPTION_KEY',
  '*.KABAR_JWT_SECRET',
  '*.KABAR_ENCRYPTION_KEY',
];

/**
 * JSON lines on stdout (pretty on a terminal), or on `destination` when given: a process that embeds
 * Kabar, or a test that reads every line (RuntimeOptions.logger).
 */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (destination) return pino(options, destination);
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return pino({ ...options, ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}) });
}

export const logger = createLogger();
