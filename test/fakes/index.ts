import { startFcmFake, type FcmFake, type FcmFakeOptions } from './fcm.js';
import { startSesFake, type SesFake, type SesFakeOptions } from './ses.js';
import { startSmsFake, type SmsFake, type SmsFakeOptions } from './sms.js';
import { createSnsSigner, type SnsSigner } from './sns.js';
import { startWhatsAppFake, type WhatsAppFake, type WhatsAppFakeOptions } from './whatsapp.js';
import { shippedWhatsAppTemplates } from './whatsapp-templates.js';

export * from './server.js';
export * from './whatsapp.js';
export * from './ses.js';
export * from './sms.js';
export * from './fcm.js';
export * from './sns.js';
export * from './receipts.js';
export * from './sigv4-verify.js';
export * from './whatsapp-templates.js';

/** The FCM bearer token the shared fakes accept (and FCM_ACCESS_TOKEN in their env). */
export const FAKE_FCM_ACCESS_TOKEN = 'fake-fcm-access-token';

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

/**
 * The four fakes, strict as the providers: WhatsApp takes only keys it issued (issueKey) and the
 * approved templates (Kabar's shipped ones, plus approveTemplate), FCM one bearer token, SES only
 * requests signed with a key it knows. Options override each default.
 */
export async function startFakeProviders(
  options: {
    whatsapp?: WhatsAppFakeOptions;
    ses?: SesFakeOptions;
    sms?: SmsFakeOptions;
    fcm?: FcmFakeOptions;
    region?: string;
  } = {},
): Promise<FakeProviders> {
  const region = options.region ?? 'ap-southeast-1';
  const [whatsapp, ses, sms, fcm] = await Promise.all([
    startWhatsAppFake({ apiKeys: [], templates: shippedWhatsAppTemplates(), ...options.whatsapp }),
    startSesFake({ region, ...options.ses }),
    startSmsFake(options.sms),
    startFcmFake({ accessTokens: [FAKE_FCM_ACCESS_TOKEN], ...options.fcm }),
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
    FCM_ACCESS_TOKEN: FAKE_FCM_ACCESS_TOKEN,
  };
  return {
    whatsapp,
    ses,
    sms,
    fcm,
    sns,
    env,
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
