import { SESClient, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-ses';
import { failure, unanswered } from './http.js';
import type { EmailChannel, EmailMessage, SendOutcome } from './types.js';

// Email through AWS SES v1 (PROVIDERS.md "Email: AWS SES v1").

export interface EmailSettings {
  region: string;
  /** SES_ENDPOINT; unset = AWS. */
  endpoint?: string;
  /** SES_FROM_ADDRESS: must be a verified identity. */
  from: string;
  configurationSet?: string;
  timeoutMs: number;
  /** Explicit credentials; without them the SDK's default chain (env, profile, IMDS…) applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export const SES_TRANSIENT_CODES: ReadonlySet<string> = new Set(['Throttling', 'ThrottlingException', 'ServiceUnavailable', 'InternalFailure', 'RequestTimeout']);
export const SES_PERMANENT_CODES: ReadonlySet<string> = new Set([
  'MessageRejected', 'MailFromDomainNotVerifiedException', 'AccountSendingPausedException', 'ConfigurationSetDoesNotExist',
  'ConfigurationSetDoesNotExistException', 'ConfigurationSetSendingPausedException',
]);

export function createEmailChannel(settings: EmailSettings): EmailChannel {
  const client = new SESClient({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    // Kabar retries with its own backoff; SDK retries would multiply attempts.
    maxAttempts: 1,
    // Without throwOnRequestTimeout the SDK only logs a warning when the timeout passes.
    requestHandler: { requestTimeout: settings.timeoutMs, connectionTimeout: settings.timeoutMs, throwOnRequestTimeout: true },
  });

  return {
    async send(msg: EmailMessage): Promise<SendOutcome> {
      const input: SendEmailCommandInput = {
        Source: settings.from,
        Destination: { ToAddresses: [msg.to] },
        Message: {
          Subject: { Data: msg.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: msg.text, Charset: 'UTF-8' }, Html: { Data: msg.html, Charset: 'UTF-8' } },
        },
      };
      if (msg.tags && Object.keys(msg.tags).length > 0) {
        input.Tags = Object.entries(msg.tags).map(([Name, Value]) => ({ Name: tagText(Name), Value: tagText(Value) }));
      }
      if (settings.configurationSet) input.ConfigurationSetName = settings.configurationSet;
      try {
        // The abort signal is a second deadline in case the handler's timer does not fire (e.g. during DNS).
        const out = await client.send(new SendEmailCommand(input), { abortSignal: AbortSignal.timeout(settings.timeoutMs + 50) });
        if (out.MessageId) return { ok: true, providerMessageId: out.MessageId };
        return failure(false, 'SES answered without a MessageId');
      } catch (err) {
        return classifySesError(err, settings.timeoutMs);
      }
    },
  };
}

/** SES only allows [A-Za-z0-9_.-] in tag names and values; a bad tag must not lose the email. */
function tagText(value: string): string {
  return (value.replace(/[^A-Za-z0-9_.-]/g, '_') || '_').slice(0, 255);
}

/**
 * SDK errors carry SES's wire code in `Code` (the SDK may rename the class, e.g.
 * ConfigurationSetDoesNotExist → ConfigurationSetDoesNotExistException, in `name`) and the
 * HTTP status in `$metadata`. No status at all means no answer (timeout, connection): transient.
 */
export function classifySesError(err: unknown, timeoutMs?: number): SendOutcome {
  const e = err as { name?: string; Code?: unknown; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? 'Error';
  const code = typeof e?.Code === 'string' && e.Code ? e.Code : name;
  const status = e?.$metadata?.httpStatusCode;
  if (name === 'TimeoutError' || name === 'AbortError' || e?.code === 'ETIMEDOUT') {
    return unanswered(`timeout${timeoutMs ? ` after ${timeoutMs} ms` : ''}: ${name}`);
  }
  const reason = `${code}: ${e?.message ?? String(err)}`;
  if (SES_TRANSIENT_CODES.has(code) || SES_TRANSIENT_CODES.has(name)) return failure(true, reason);
  if (SES_PERMANENT_CODES.has(code) || SES_PERMANENT_CODES.has(name)) return failure(false, reason);
  if (status === undefined) return unanswered(e?.code ? `network error: ${e.code}` : reason, e?.code);
  if (status === 429 || status >= 500) return failure(true, reason);
  return failure(false, reason);
}
