import { createChannels } from '../../src/channels/index.js';
import type { Channels } from '../../src/channels/channel.types.js';
import { startFakeProviders, type FakeProviders } from '../fakes/index.js';

export interface Providers extends FakeProviders {
  /** Real adapters pointed at the fakes. */
  channels: Channels;
}

/**
 * The four fake providers on loopback, and Kabar's real adapters talking to them (short
 * timeouts). A "timeout" fault holds a request for `hangMs`, and a "late" one answers after it.
 */
export async function startProviders(timeoutMs = 500, hangMs = timeoutMs * 4): Promise<Providers> {
  const fakes = await startFakeProviders({ whatsapp: { hangMs }, ses: { hangMs }, sms: { hangMs }, fcm: { hangMs } });
  const { whatsapp, ses, sms, fcm } = fakes;
  const channels = createChannels({
    whatsapp: { baseUrl: whatsapp.url, timeoutMs },
    email: {
      region: fakes.env.AWS_REGION!,
      endpoint: ses.url,
      from: 'no-reply@klinik.example',
      timeoutMs,
      credentials: ses.credentials[0]!,
    },
    sms: {
      baseUrl: sms.url,
      accountSid: sms.accountSid,
      authToken: sms.authToken,
      from: fakes.env.SMS_FROM!,
      timeoutMs,
    },
    push: { baseUrl: fcm.url, projectId: fcm.projectId, accessToken: fakes.env.FCM_ACCESS_TOKEN!, timeoutMs },
  });
  return Object.assign(fakes, { channels });
}
