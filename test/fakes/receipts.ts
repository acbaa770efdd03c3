import { sendSesEvent, sesSendEvent } from './sns.js';
import { whatsappStatusPayload, sendWhatsAppWebhook } from './whatsapp.js';
import type { WhatsAppPricingSpec } from './whatsapp-meta.js';
import type { FakeProviders } from './index.js';

// Real providers report every accepted message back: 360dialog a "sent" status, Twilio a
// status callback, SES (event publishing) a "Send" event. These make the fakes do the same, so
// Kabar can settle a send whose answer a crash cut off. Like the providers, a receipt that
// Kabar does not take (it is down) is retried until it is.

export interface Receipts {
  /** Receipts Kabar answered 2xx. */
  readonly delivered: number;
  /** Receipts still being retried. */
  readonly pending: number;
  /** The longest time from a message's acceptance to Kabar taking its receipt (ms). */
  readonly maxLagMs: number;
}

/**
 * `delayMs`: how long after accepting a message its provider reports it (default at once).
 * `whatsAppPricing`: what Meta bills for a message to that number (digits); default a regular utility message.
 */
export function enableReceipts(
  fakes: FakeProviders,
  kabarUrl: string,
  opts: {
    retryMs?: number;
    giveUpMs?: number;
    delayMs?: number;
    whatsAppPricing?: (to: string) => WhatsAppPricingSpec | undefined;
  } = {},
): Receipts {
  const base = kabarUrl.replace(/\/graphql$/, '');
  const state = { delivered: 0, pending: 0, maxLagMs: 0 };
  const retryMs = opts.retryMs ?? 250;
  // Longer than the send leases of the suites that take the default: a receipt dropped while its
  // message's lease runs would make the retry sweep send a delivered message again (real providers
  // retry for hours). The crash suite passes its own, from its lease.
  const giveUpMs = opts.giveUpMs ?? 600_000;

  function deliver(post: () => Promise<Response>) {
    const accepted = Date.now();
    const deadline = accepted + giveUpMs;
    state.pending++;
    const first = opts.delayMs ?? 0;
    const attempt = async (): Promise<void> => {
      const ok = await post().then(
        (r) => r.ok,
        () => false,
      );
      if (ok) {
        state.pending--;
        state.delivered++;
        state.maxLagMs = Math.max(state.maxLagMs, Date.now() - accepted);
        return;
      }
      if (Date.now() > deadline) {
        state.pending--;
        return;
      }
      setTimeout(() => void attempt(), retryMs);
    };
    if (first > 0) setTimeout(() => void attempt(), first);
    else void attempt();
  }

  fakes.whatsapp.onAccepted = (m) => {
    const hook = fakes.whatsapp.webhooks.filter((w) => w.apiKey === m.apiKey).at(-1);
    if (!hook) return;
    const pricing = opts.whatsAppPricing?.(m.to);
    const payload = whatsappStatusPayload([
      {
        id: m.messageId,
        status: 'sent',
        recipientId: m.to,
        callbackData: m.body.biz_opaque_callback_data,
        ...(pricing ? { pricing } : {}),
      },
    ]);
    deliver(() => sendWhatsAppWebhook(hook.url, hook.headers['X-Kabar-Webhook-Secret'] ?? null, payload));
  };
  fakes.sms.onAccepted = (m) => deliver(() => fakes.sms.sendStatus(m.sid, 'sent'));
  fakes.ses.onAccepted = (m) =>
    deliver(() => sendSesEvent(`${base}/webhooks/ses`, fakes.sns, sesSendEvent(m.messageId, m.tags, m.to[0])));
  return {
    get delivered() {
      return state.delivered;
    },
    get pending() {
      return state.pending;
    },
    get maxLagMs() {
      return state.maxLagMs;
    },
  };
}
