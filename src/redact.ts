import type { Channels, SendOutcome } from './channels/channel.types.js';

// Providers' error answers are kept as failure reasons (PROVIDERS.md: "keep the provider's words"),
// and reasons end up in the deliveries table, its history, the audit log, the API, live
// subscriptions and log lines. Some providers (or proxies in front of them) repeat the request
// in their errors, credentials included: this wrapper takes every credential out of a reason
// before anything else sees it.

export const REDACTED = '[redacted]';
/** Shorter values are not treated as secrets (an unset credential is ''). */
const MIN_SECRET_LENGTH = 8;
/** A secret cut short by an excerpt ("…") still leaks its first characters: those are removed down to this length. */
const MIN_PREFIX = 6;

/** The forms a secret takes in an echoed request: as is, URL-encoded, JSON-escaped, base64. */
function formsOf(secret: string): string[] {
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret, 'utf8').toString('base64'),
  ]);
  return [...forms].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each secret (in any of its forms, or cut short by "…") replaced by [redacted]. */
export function redactSecrets(text: string, secrets: Iterable<string | null | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of formsOf(secret)) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
      if (!out.includes('…')) continue;
      for (let n = form.length - 1; n >= MIN_PREFIX; n--) {
        const cut = `${form.slice(0, n)}…`;
        if (out.includes(cut)) out = out.split(cut).join(`${REDACTED}…`);
      }
    }
  }
  return out;
}

/**
 * The same adapters, with credentials removed from their failure reasons (and from the messages
 * of anything they throw): the process-wide ones (`known`, e.g. SMS_AUTH_TOKEN) and the ones a
 * call carries (a tenant's 360dialog key, its webhook secret).
 */
export function redactingChannels(channels: Channels, known: () => Iterable<string | null | undefined>): Channels {
  const guard = async (own: string[], call: () => Promise<SendOutcome>): Promise<SendOutcome> => {
    const secrets = () => [...own, ...known()];
    try {
      const outcome = await call();
      return outcome.ok ? outcome : { ...outcome, reason: redactSecrets(outcome.reason, secrets()) };
    } catch (err) {
      if (err instanceof Error) {
        err.message = redactSecrets(err.message, secrets());
        if (err.stack) err.stack = redactSecrets(err.stack, secrets());
      }
      throw err;
    }
  };
  const { whatsapp, email, sms, push } = channels;
  return {
    whatsapp: {
      send: (m) => guard([m.apiKey], () => whatsapp.send(m)),
      sendText: (m) => guard([m.apiKey], () => whatsapp.sendText(m)),
      registerWebhook: (apiKey, url, secret) =>
        guard([apiKey, secret], () => whatsapp.registerWebhook(apiKey, url, secret)),
    },
    email: { send: (m) => guard([], () => email.send(m)) },
    sms: { send: (m) => guard([], () => sms.send(m)) },
    push: { send: (m) => guard([], () => push.send(m)) },
  };
}
