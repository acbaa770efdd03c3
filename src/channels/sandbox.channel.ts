import { randomUUID } from 'node:crypto';
import type { Channels, SendOutcome } from './channel.types.js';

// Embedded mode: nothing leaves the machine. Every send "succeeds" and is handed to `record`
// so the messages can be shown through the API instead.

export type SandboxChannel = 'WHATSAPP' | 'EMAIL' | 'SMS' | 'PUSH';
export interface SandboxEntry {
  channel: SandboxChannel;
  to: string;
  payload: unknown;
}

export function createSandboxChannels(record: (entry: SandboxEntry) => void): Channels {
  const accept = (entry: SandboxEntry): SendOutcome => {
    record(entry);
    return { ok: true, providerMessageId: `sandbox-${randomUUID()}` };
  };
  return {
    whatsapp: {
      // apiKey is a secret: never recorded.
      send: async ({ to, templateName, language, parameters }) =>
        accept({ channel: 'WHATSAPP', to, payload: { templateName, language, parameters } }),
      sendText: async ({ to, body }) => accept({ channel: 'WHATSAPP', to, payload: { type: 'text', body } }),
      // Registering a webhook is not a message; nothing to record.
      registerWebhook: async () => ({ ok: true, providerMessageId: `sandbox-${randomUUID()}` }),
    },
    email: {
      send: async ({ to, subject, text, html, tags }) =>
        accept({ channel: 'EMAIL', to, payload: { subject, text, html, tags } }),
    },
    sms: {
      send: async ({ to, body, statusCallback }) => accept({ channel: 'SMS', to, payload: { body, statusCallback } }),
    },
    push: {
      send: async ({ deviceToken, title, body, data }) =>
        accept({ channel: 'PUSH', to: deviceToken, payload: { title, body, data } }),
    },
  };
}
