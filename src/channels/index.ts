import type { Config } from '../config.js';
import { createEmailChannel, type EmailSettings } from './email.channel.js';
import { createPushChannel, type AccessTokenSource, type PushSettings } from './push.channel.js';
import { createSmsChannel, type SmsSettings } from './sms.channel.js';
import type { Channels } from './channel.types.js';
import { createWhatsAppChannel, type WhatsAppSettings } from './whatsapp.channel.js';

export * from './channel.types.js';
export * from './whatsapp.channel.js';
export * from './email.channel.js';
export * from './sms.channel.js';
export * from './push.channel.js';
export * from './sns-verify.js';
export * from './sandbox.channel.js';

export interface ChannelSettings {
  whatsapp: WhatsAppSettings;
  email: EmailSettings;
  sms: SmsSettings;
  push: PushSettings;
}

/** The four real adapters. WhatsApp credentials are per tenant, so they travel with each message. */
export function createChannels(settings: ChannelSettings): Channels {
  return {
    whatsapp: createWhatsAppChannel(settings.whatsapp),
    email: createEmailChannel(settings.email),
    sms: createSmsChannel(settings.sms),
    push: createPushChannel(settings.push),
  };
}

/**
 * Settings from loaded configuration. FCM needs a token: FCM_ACCESS_TOKEN, or pass
 * `getFcmAccessToken` (e.g. minting from a service account, which config does not cover).
 */
export function channelSettingsFromConfig(
  config: Config,
  extra: { getFcmAccessToken?: AccessTokenSource } = {},
): ChannelSettings {
  const timeoutMs = config.PROVIDER_TIMEOUT_MS;
  return {
    whatsapp: { baseUrl: config.WHATSAPP_API_URL, timeoutMs, pairIntervalMs: config.WHATSAPP_PAIR_INTERVAL_MS },
    email: {
      region: config.AWS_REGION,
      ...(config.SES_ENDPOINT ? { endpoint: config.SES_ENDPOINT } : {}),
      from: config.SES_FROM_ADDRESS,
      ...(config.SES_CONFIGURATION_SET ? { configurationSet: config.SES_CONFIGURATION_SET } : {}),
      timeoutMs,
    },
    sms: {
      baseUrl: config.SMS_API_URL,
      accountSid: config.SMS_ACCOUNT_SID,
      authToken: config.SMS_AUTH_TOKEN,
      from: config.SMS_FROM,
      timeoutMs,
    },
    push: {
      baseUrl: config.FCM_API_URL,
      projectId: config.FCM_PROJECT_ID,
      accessToken: extra.getFcmAccessToken ?? config.FCM_ACCESS_TOKEN ?? '',
      timeoutMs,
    },
  };
}
