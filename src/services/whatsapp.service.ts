import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { whatsAppConfigs } from '../schema/index.js';
import { ValidationError } from '../domain-errors.js';
import type { SecretBox } from '../crypto.js';
import type { WhatsAppChannel } from '../channels/channel.types.js';
import type { Logger } from 'pino';
import { logger as rootLogger } from '../logger.js';
import type { TenantScope } from '../db/tenant.js';
import { Checks, checkCountry, checkCurrency, checkPhone } from '../validation.js';
import { audit } from './audit.service.js';
import { getTenant } from './tenants.service.js';

export interface WhatsAppConfigView {
  tenantName: string;
  senderNumber: string;
  country: string;
  currency: string;
  isActive: boolean;
  tokenSet: boolean;
  updatedAt: Date;
}

export interface WhatsAppConfigInput {
  senderNumber: string;
  token?: string | null;
  country: string;
  currency: string;
  isActive: boolean;
}

type Row = typeof whatsAppConfigs.$inferSelect;

// The only shape that leaves this module: the token (and its ciphertext) never do.
function view(row: Row): WhatsAppConfigView {
  const { tenantName, senderNumber, country, currency, isActive, updatedAt } = row;
  return { tenantName, senderNumber, country, currency, isActive, tokenSet: row.tokenEnc !== null, updatedAt };
}

async function load(scope: TenantScope): Promise<Row | undefined> {
  const [row] = await scope.tx.select().from(whatsAppConfigs).where(eq(whatsAppConfigs.tenantId, scope.tenantId));
  return row;
}

export async function getWhatsAppConfig(scope: TenantScope): Promise<WhatsAppConfigView | null> {
  const row = await load(scope);
  return row ? view(row) : null;
}

export async function upsertWhatsAppConfig(
  scope: TenantScope,
  input: WhatsAppConfigInput,
  box: SecretBox,
  channel?: WhatsAppChannel,
  publicUrl?: string,
  log: Pick<Logger, 'warn'> = rootLogger,
): Promise<WhatsAppConfigView> {
  const tenant = await getTenant(scope);
  const c = new Checks();
  const senderNumber = c.check(() => checkPhone('input.senderNumber', input.senderNumber, tenant.country));
  const country = c.check(() => checkCountry('input.country', input.country));
  const currency = c.check(() => checkCurrency('input.currency', input.currency));
  // Messages are paid from the tenant's credit balance, which is kept in the tenant's currency.
  if (currency && currency !== tenant.currency) {
    c.add('input.currency', `input.currency must be ${tenant.currency}, the currency of the tenant's WhatsApp credit`);
  }
  const token = input.token == null ? null : input.token.trim();
  if (token !== null && (token.length < 8 || token.length > 4096 || /\s/.test(token))) {
    c.add('input.token', 'input.token must be the 360dialog API key (8 to 4096 characters, no spaces)');
  }
  c.done();
  const existing = await load(scope);
  const tokenEnc = token !== null ? box.seal(token) : (existing?.tokenEnc ?? null);
  if (input.isActive && tokenEnc === null) {
    throw new ValidationError('input.token', 'input.token is required to activate WhatsApp: no token is stored yet');
  }
  const values = {
    tenantName: tenant.name,
    senderNumber,
    country,
    currency,
    isActive: input.isActive,
    tokenEnc,
    webhookSecretEnc: existing?.webhookSecretEnc ?? box.seal(randomBytes(24).toString('base64url')),
    updatedAt: new Date(),
  };
  const [row] = await scope.tx
    .insert(whatsAppConfigs)
    .values({ tenantId: scope.tenantId, ...values })
    .onConflictDoUpdate({ target: whatsAppConfigs.tenantId, set: values })
    .returning();
  await audit(scope, {
    action: existing ? 'config.whatsapp.update' : 'config.whatsapp.create',
    entityType: 'whatsapp_config',
    entityId: scope.tenantId,
    details: { senderNumber, country, currency, isActive: input.isActive, tokenChanged: token !== null },
  });
  if (input.isActive && channel && publicUrl) {
    // After commit: register Kabar's status webhook with 360dialog, with this tenant's secret header.
    const apiKey = box.open(row!.tokenEnc!);
    const secret = box.open(row!.webhookSecretEnc);
    const url = `${publicUrl}/webhooks/whatsapp/${scope.tenantId}`;
    scope.afterCommit(async () => {
      const outcome = await channel.registerWebhook(apiKey, url, secret);
      if (!outcome.ok)
        log.warn(
          { tenantId: scope.tenantId, reason: outcome.reason },
          'WhatsApp webhook registration failed; statuses will not arrive until it succeeds',
        );
    });
  }
  return view(row!);
}

/** For the WhatsApp channel adapter only: the decrypted credentials of an active configuration. */
export async function whatsAppCredentials(scope: TenantScope, box: SecretBox) {
  const row = await load(scope);
  if (!row?.isActive || !row.tokenEnc) return null;
  return {
    senderNumber: row.senderNumber,
    country: row.country,
    currency: row.currency,
    token: box.open(row.tokenEnc),
    webhookSecret: box.open(row.webhookSecretEnc),
  };
}
