import { startFcmFake, type FcmFake, type FcmFakeOptions } from './fcm.js';
import { startSesFake, type SesFake, type SesFakeOptions } from './ses.js';
import { startSmsFake, type SmsFake, type SmsFakeOptions } from './sms.js';
import { createSnsSigner, type SnsSigner } from './sns.js';
import { startWhatsAppFake, type WhatsAppFake, type WhatsAppFakeOptions } from './whatsapp.js';

export * from './server.js';
export * from './whatsapp.js';
export * from './ses.js';
export * from './sms.js';
export * from './fcm.js';
export * from './sns.js';
export * from './receipts.js';

export interface FakeProviders {
  whatsapp: WhatsAppFake;
  ses: SesFake;
  sms: SmsFake;
  fcm: FcmFake;
  sns: SnsSigner;
  /** Environment pointing Kabar's configuration (src/config.ts keys) at these fakes. */
  env: Record<string, string>;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeProviders(options: {
  whatsapp?: WhatsAppFakeOptions;
  ses?: SesFakeOptions;
  sms?: SmsFakeOptions;
  fcm?: FcmFakeOptions;
  region?: string;
} = {}): Promise<FakeProviders> {
  const region = options.region ?? 'ap-southeast-1';
  const [whatsapp, ses, sms, fcm] = await Promise.all([
    startWhatsAppFake(options.whatsapp),
    startSesFake({ region, ...options.ses }),
    startSmsFake(options.sms),
    startFcmFake(options.fcm),
  ]);
  const sns = createSnsSigner({ region });
  const env: Record<string, string> = {
    WHATSAPP_API_URL: whatsapp.url,
    SES_ENDPOINT: ses.url,
    AWS_REGION: region,
    SMS_API_URL: sms.url,
    SMS_ACCOUNT_SID: sms.accountSid,
    SMS_AUTH_TOKEN: sms.authToken,
    SMS_FROM: '+15005550006',
    FCM_API_URL: fcm.url,
    FCM_PROJECT_ID: fcm.projectId,
    FCM_ACCESS_TOKEN: 'fake-fcm-access-token',
  };
  return {
    whatsapp, ses, sms, fcm, sns, env,
    reset() {
      whatsapp.reset();
      ses.reset();
      sms.reset();
      fcm.reset();
    },
    close: async () => {
      await Promise.all([whatsapp.close(), ses.close(), sms.close(), fcm.close()]);
    },
  };
}
