import { createChannels } from '../../src/channels/index.js';
import type { Channels } from '../../src/channels/types.js';
import { startFcmFake, type FcmFake } from '../fakes/fcm.js';
import { startSesFake, type SesFake } from '../fakes/ses.js';
import { startSmsFake, type SmsFake } from '../fakes/sms.js';
import { startWhatsAppFake, type WhatsAppFake } from '../fakes/whatsapp.js';

export interface Providers {
  whatsapp: WhatsAppFake;
  ses: SesFake;
  sms: SmsFake;
  fcm: FcmFake;
  /** Real adapters pointed at the fakes. */
  channels: Channels;
  /** Settings Kabar needs to authenticate the fakes' webhooks. */
  env: Record<string, string>;
  reset(): void;
  close(): Promise<void>;
}

/** The four fake providers on loopback, and Kabar's real adapters talking to them. */
export async function startProviders(timeoutMs = 500): Promise<Providers> {
  const [whatsapp, ses, sms, fcm] = await Promise.all([startWhatsAppFake({ hangMs: timeoutMs * 4 }), startSesFake({ hangMs: timeoutMs * 4 }), startSmsFake({ hangMs: timeoutMs * 4 }), startFcmFake({ hangMs: timeoutMs * 4 })]);
  const channels = createChannels({
    whatsapp: { baseUrl: whatsapp.url, timeoutMs },
    email: { region: 'ap-southeast-1', endpoint: ses.url, from: 'no-reply@klinik.example', timeoutMs, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } },
    sms: { baseUrl: sms.url, accountSid: sms.accountSid, authToken: sms.authToken, from: '+15005550006', timeoutMs },
    push: { baseUrl: fcm.url, projectId: fcm.projectId, accessToken: 'fcm-test-token', timeoutMs },
  });
  const all = [whatsapp, ses, sms, fcm];
  return {
    whatsapp,
    ses,
    sms,
    fcm,
    channels,
    env: { SMS_AUTH_TOKEN: sms.authToken, SMS_ACCOUNT_SID: sms.accountSid },
    reset: () => all.forEach((f) => f.reset()),
    close: async () => void (await Promise.all(all.map((f) => f.close()))),
  };
}
