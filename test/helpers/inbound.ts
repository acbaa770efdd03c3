import { withTenant } from '../../src/db/tenant.js';
import { patients } from '../../src/schema/index.js';
import { rememberPatients, type PatientSighting } from '../../src/services/patients.service.js';
import { preferenceHistory, type PreferenceRow } from '../../src/services/preferences.service.js';
import { sendWhatsAppWebhook, whatsappInboundPayload, type IncomingSpec } from '../fakes/whatsapp.js';
import type { Providers } from './providers.js';
import { eventually, type TestKabar } from './app.js';

// Patients writing back: inbound WhatsApp messages and SMS, posted to Kabar as the providers do.

/** The webhook secret Kabar registered with the WhatsApp fake for a tenant (after enableWhatsApp). */
export async function whatsAppSecret(k: TestKabar, p: Providers, tenantId: string): Promise<string> {
  const url = `${k.url.replace(/\/graphql$/, '')}/webhooks/whatsapp/${tenantId}`;
  return eventually(() => {
    const hook = p.whatsapp.webhooks.filter((w) => w.url === url).at(-1);
    if (!hook?.headers['X-Kabar-Webhook-Secret']) throw new Error(`no webhook registered for ${tenantId}`);
    return hook.headers['X-Kabar-Webhook-Secret'];
  });
}

/** Posts one patient message to the tenant's WhatsApp webhook with `secret` (null: none). */
export async function postWhatsAppInbound(
  k: TestKabar,
  tenantId: string,
  secret: string | null,
  from: string,
  spec: IncomingSpec & { id?: string },
) {
  const payload = whatsappInboundPayload(from.replace(/^\+/, ''), [spec]);
  const wamid = (payload.entry as any)[0].changes[0].value.messages[0].id as string;
  const res = await sendWhatsAppWebhook(`${base(k)}/webhooks/whatsapp/${tenantId}`, secret, payload);
  return { wamid, payload, res, body: await res.json() };
}

/** Posts one patient SMS to the tenant's inbound URL, Twilio-signed by the SMS fake. */
export async function postSmsInbound(
  k: TestKabar,
  p: Providers,
  tenantId: string,
  from: string,
  body: string,
  sid?: string,
) {
  const { sid: messageSid, res } = await p.sms.sendInbound(
    `${base(k)}/webhooks/sms/${tenantId}/inbound`,
    from,
    body,
    sid ? { sid } : {},
  );
  return { sid: messageSid, res, text: await res.text() };
}

const base = (k: TestKabar) => k.url.replace(/\/graphql$/, '');

/**
 * Makes sure the directory knows these patients. Dispatch fills it from events; a row still
 * missing (that wiring absent) is written here, as dispatch would write it.
 */
export async function ensurePatients(k: TestKabar, tenantId: string, list: PatientSighting[]): Promise<void> {
  await withTenant({ db: k.app.db, actor: 'test', tenantId }, async (s) => {
    const known = new Set((await s.tx.select({ id: patients.id }).from(patients)).map((r) => r.id));
    rememberPatients(
      s,
      list.filter((p) => !known.has(p.id)),
      new Date(),
    );
  });
}

/** Every choice of a patient, oldest first. */
export async function historyOf(k: TestKabar, tenantId: string, patientId: string): Promise<PreferenceRow[]> {
  return withTenant({ db: k.app.db, actor: 'test', tenantId }, (s) => preferenceHistory(s, patientId));
}
