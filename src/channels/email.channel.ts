import { SESClient } from '@aws-sdk/client-ses';
import { excerpt, failure, post, trimBase } from './channel-http.js';
import { signSigV4, uriEscape, type AwsCredentials } from './sigv4.js';
import type { EmailChannel, EmailMessage, SendOutcome } from './channel.types.js';

// Email through AWS SES v1 (PROVIDERS.md "Email: AWS SES v1"): the SendEmail query API on the
// wire, exactly as the SDK sends it (form-encoded POST /, SigV4), but posted with the keep-alive
// node:http client the other adapters use and signed by sigv4.ts (the SDK's own signer,
// @smithy/signature-v4). The SDK's middleware stack cost about a tenth of the dispatcher's CPU at
// full load (bench, fourth round); its client is kept for what it does best, the AWS credentials
// chain (environment, profile, SSO, IMDS, with refresh).

export interface EmailSettings {
  region: string;
  /** SES_ENDPOINT; unset = AWS. */
  endpoint?: string;
  /** SES_FROM_ADDRESS: must be a verified identity. */
  from: string;
  configurationSet?: string;
  timeoutMs: number;
  /** Explicit credentials; without them the SDK's default chain (env, profile, IMDS…) applies. */
  credentials?: AwsCredentials;
}

export const SES_TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ServiceUnavailable',
  'InternalFailure',
  'RequestTimeout',
]);
export const SES_PERMANENT_CODES: ReadonlySet<string> = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSendingPausedException',
  'ConfigurationSetDoesNotExist',
  'ConfigurationSetDoesNotExistException',
  'ConfigurationSetSendingPausedException',
]);

export function createEmailChannel(settings: EmailSettings): EmailChannel {
  const explicit = settings.credentials;
  // The SDK client resolves (and caches, and refreshes) credentials from its default chain.
  const chain = explicit ? undefined : new SESClient({ region: settings.region }).config.credentials;
  const credentials = explicit ? async () => explicit : chain!;
  const url = new URL(`${trimBase(settings.endpoint ?? `https://email.${settings.region}.amazonaws.com`)}/`);

  return {
    async send(msg: EmailMessage): Promise<SendOutcome> {
      let creds: AwsCredentials;
      try {
        creds = await credentials();
      } catch (err) {
        // Nothing was sent: transient (credentials may appear), and not ambiguous.
        return failure(true, `CredentialsError: ${(err as Error).message}`);
      }
      let body: string;
      try {
        body = sendEmailForm(settings, msg);
      } catch (err) {
        // Text that cannot be encoded (a lone surrogate) fails the same way every time.
        return failure(false, `InvalidParameterValue: ${(err as Error).message}`);
      }
      const headers = await signSigV4(
        { url, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
        creds,
        settings.region,
        'ses',
      );
      const answer = await post(url.href, { headers, body }, settings.timeoutMs);
      if (!answer.ok) return answer.outcome;
      if (answer.status === 200) {
        const id = xmlText(answer.text, 'MessageId');
        return id ? { ok: true, providerMessageId: id } : failure(false, 'SES answered without a MessageId');
      }
      return classifySesError(
        answer.status,
        xmlText(answer.text, 'Code') ?? `HTTP ${answer.status}`,
        xmlText(answer.text, 'Message') ?? excerpt(answer.text),
      );
    },
  };
}

/** The SendEmail action's form, field by field as the SDK serialises it. */
function sendEmailForm(settings: EmailSettings, msg: EmailMessage): string {
  const fields: [string, string][] = [
    ['Action', 'SendEmail'],
    ['Version', '2010-12-01'],
    ['Source', settings.from],
    ['Destination.ToAddresses.member.1', msg.to],
    ['Message.Subject.Data', msg.subject],
    ['Message.Subject.Charset', 'UTF-8'],
    ['Message.Body.Text.Data', msg.text],
    ['Message.Body.Text.Charset', 'UTF-8'],
    ['Message.Body.Html.Data', msg.html],
    ['Message.Body.Html.Charset', 'UTF-8'],
  ];
  Object.entries(msg.tags ?? {}).forEach(([name, value], i) =>
    fields.push([`Tags.member.${i + 1}.Name`, tagText(name)], [`Tags.member.${i + 1}.Value`, tagText(value)]),
  );
  if (settings.configurationSet) fields.push(['ConfigurationSetName', settings.configurationSet]);
  return fields.map(([k, v]) => `${uriEscape(k)}=${uriEscape(v)}`).join('&');
}

/** SES only allows [A-Za-z0-9_.-] in tag names and values; a bad tag must not lose the email. */
function tagText(value: string): string {
  return (value.replace(/[^A-Za-z0-9_.-]/g, '_') || '_').slice(0, 255);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of the first <tag> in an SES answer (flat elements, entities decoded). */
function xmlText(xml: string, tag: string): string | undefined {
  const raw = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
  return raw
    ?.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) =>
      e[0] === '#'
        ? String.fromCodePoint(Number(e[1] === 'x' || e[1] === 'X' ? `0${e.slice(1)}` : e.slice(1)))
        : (ENTITIES[e] ?? m),
    )
    .trim();
}

/**
 * An SES error answer: its wire code (ErrorResponse/Error/Code) and HTTP status. Throttling is
 * HTTP 400 in SES v1, so the documented codes decide first; then 429 and 5xx are transient and
 * any other answer permanent. (No answer at all, a timeout or a lost connection, is post()'s.)
 */
export function classifySesError(status: number, code: string, message: string): SendOutcome {
  const reason = `${code}: ${message}`;
  if (SES_TRANSIENT_CODES.has(code)) return failure(true, reason);
  if (SES_PERMANENT_CODES.has(code)) return failure(false, reason);
  return failure(status === 429 || status >= 500, reason);
}
