import { and, eq } from 'drizzle-orm';
import { templates } from '../schema/index.js';
import { NotFoundError } from '../domain-errors.js';
import type { TenantScope } from '../db/tenant.js';
import { CHANNELS, LANGUAGES, notifyingEventTypes } from '../events/catalogue.js';
import { DEFAULT_TEMPLATES, defaultTemplate } from '../templates/defaults.js';
import { checkTemplate } from '../templates/render.js';
import { Checks } from '../validation.js';
import { audit } from './audit.service.js';
import { loadVerdicts, verdictKey, type ApprovalStatus, type VerdictRow } from './template-verdicts.service.js';

type Row = typeof templates.$inferSelect;
export type ChannelName = Row['channel'];
export type LanguageName = Row['language'];
export type CategoryName = NonNullable<Row['whatsAppCategory']>;

export interface TemplateView {
  id: string;
  eventType: string;
  channel: ChannelName;
  language: LanguageName;
  subject: string | null;
  body: string;
  whatsAppTemplateName: string | null;
  whatsAppCategory: CategoryName | null;
  isDefault: boolean;
  updatedAt: Date;
  /** WhatsApp only: Meta's verdict (UNKNOWN until Meta says); null for other channels. */
  whatsAppStatus: ApprovalStatus | null;
  whatsAppStatusReason: string | null;
}

export interface TemplateInput {
  eventType: string;
  channel: ChannelName;
  language: LanguageName;
  subject?: string | null;
  body: string;
  whatsAppTemplateName?: string | null;
  whatsAppCategory?: CategoryName | null;
}

export interface TemplateFilter {
  eventType?: string | null;
  channel?: ChannelName | null;
  language?: LanguageName | null;
}

/** When the shipped defaults were last revised; shown as their updatedAt. */
const DEFAULTS_RELEASED = new Date('2026-11-23T00:00:00Z');

const keyOf = (t: { eventType: string; channel: string; language: string }) =>
  `${t.eventType}:${t.channel}:${t.language}`;

const NO_VERDICT = { whatsAppStatus: null, whatsAppStatusReason: null };

function fromRow(r: Row): TemplateView {
  const { id, eventType, channel, language, subject, body, whatsAppTemplateName, whatsAppCategory, updatedAt } = r;
  return {
    id,
    eventType,
    channel,
    language,
    subject,
    body,
    whatsAppTemplateName,
    whatsAppCategory,
    isDefault: false,
    updatedAt,
    ...NO_VERDICT,
  };
}

function fromDefault(d: (typeof DEFAULT_TEMPLATES)[number]): TemplateView {
  return {
    ...d,
    id: `default:${keyOf(d)}`,
    channel: d.channel,
    language: d.language,
    isDefault: true,
    updatedAt: DEFAULTS_RELEASED,
    ...NO_VERDICT,
  };
}

/**
 * A WhatsApp template as Meta has it: its verdict (UNKNOWN until Meta says), and the category
 * Meta put it in, which wins over the declared one since it is what Meta prices (default
 * templates included: the category lives with the verdict, not in a template row).
 */
function withVerdict(t: TemplateView, verdicts: Map<string, VerdictRow>): TemplateView {
  if (t.channel !== 'WHATSAPP' || !t.whatsAppTemplateName) return t;
  const v = verdicts.get(verdictKey(t.whatsAppTemplateName, t.language));
  return {
    ...t,
    whatsAppCategory: v?.category ?? t.whatsAppCategory,
    whatsAppStatus: v?.status ?? 'UNKNOWN',
    whatsAppStatusReason: v?.status ? v.reason : null,
  };
}

/** The templates in force: the tenant's overrides, and Kabar's defaults where there is none. */
export async function listTemplates(scope: TenantScope, f: TemplateFilter): Promise<TemplateView[]> {
  const rows = await scope.tx
    .select()
    .from(templates)
    .where(
      and(
        f.eventType ? eq(templates.eventType, f.eventType) : undefined,
        f.channel ? eq(templates.channel, f.channel) : undefined,
        f.language ? eq(templates.language, f.language) : undefined,
      ),
    );
  const overrides = new Map(rows.map((r) => [keyOf(r), fromRow(r)]));
  const verdicts = f.channel && f.channel !== 'WHATSAPP' ? new Map<string, VerdictRow>() : await loadVerdicts(scope);
  return DEFAULT_TEMPLATES.filter(
    (d) =>
      (!f.eventType || d.eventType === f.eventType) &&
      (!f.channel || d.channel === f.channel) &&
      (!f.language || d.language === f.language),
  ).map((d) => withVerdict(overrides.get(keyOf(d)) ?? fromDefault(d), verdicts));
}

/** Every template in force, by event type, channel and language: what dispatch renders from (one query). */
export async function templatesInForce(
  scope: TenantScope,
): Promise<(eventType: string, channel: ChannelName, language: LanguageName) => TemplateView | undefined> {
  const all = new Map((await listTemplates(scope, {})).map((t) => [keyOf(t), t]));
  return (eventType, channel, language) => all.get(keyOf({ eventType, channel, language }));
}

function validate(input: TemplateInput) {
  // Every invalid field is reported at once; the texts are checked only against a known event type.
  const c = new Checks();
  const known = notifyingEventTypes().includes(input.eventType);
  if (!known) c.add('input.eventType', `input.eventType "${input.eventType}" is not an event type that sends messages`);
  if (!CHANNELS.includes(input.channel) || !LANGUAGES.includes(input.language))
    c.add('input.channel', 'unknown channel or language');
  const body = input.body;
  const bodyCheck = known ? checkTemplate(input.eventType, body) : { ok: true as const };
  if (!body.trim() || body.length > 10_000) c.add('input.body', 'input.body must be 1 to 10000 characters');
  else if (!bodyCheck.ok) c.add('input.body', `input.body: ${bodyCheck.message}`);
  const isEmail = input.channel === 'EMAIL';
  const isWhatsApp = input.channel === 'WHATSAPP';
  const subject = input.subject?.trim() || null;
  if (isEmail && !subject) c.add('input.subject', 'input.subject is required for EMAIL templates');
  // PUSH uses the subject as the notification title; WhatsApp and SMS have none.
  if (subject && !isEmail && input.channel !== 'PUSH')
    c.add('input.subject', 'input.subject is only used by EMAIL (subject) and PUSH (title) templates');
  else if (subject && known) {
    const sc = checkTemplate(input.eventType, subject);
    if (!sc.ok) c.add('input.subject', `input.subject: ${sc.message}`);
  }
  const name = input.whatsAppTemplateName?.trim() || null;
  const category = input.whatsAppCategory ?? null;
  if (isWhatsApp) {
    if (!name || !/^[a-z0-9_]{1,512}$/.test(name))
      c.add(
        'input.whatsAppTemplateName',
        'input.whatsAppTemplateName must be the approved Meta template name (lowercase letters, digits and _)',
      );
    if (!category) c.add('input.whatsAppCategory', 'input.whatsAppCategory is required for WHATSAPP templates');
  } else if (name || category) {
    c.add(
      name ? 'input.whatsAppTemplateName' : 'input.whatsAppCategory',
      'WhatsApp template name and category apply only to WHATSAPP templates',
    );
  }
  c.done();
  return {
    eventType: input.eventType,
    channel: input.channel,
    language: input.language,
    subject,
    body,
    whatsAppTemplateName: name,
    whatsAppCategory: category,
  };
}

export async function upsertTemplate(scope: TenantScope, input: TemplateInput): Promise<TemplateView> {
  const values = validate(input);
  const now = new Date();
  const [row] = await scope.tx
    .insert(templates)
    .values({ ...values, tenantId: scope.tenantId, updatedAt: now })
    .onConflictDoUpdate({
      target: [templates.tenantId, templates.eventType, templates.channel, templates.language],
      set: {
        subject: values.subject,
        body: values.body,
        whatsAppTemplateName: values.whatsAppTemplateName,
        whatsAppCategory: values.whatsAppCategory,
        updatedAt: now,
      },
    })
    .returning();
  await audit(scope, {
    action: 'config.template.upsert',
    entityType: 'template',
    entityId: keyOf(values),
    details: values,
  });
  return withVerdict(fromRow(row!), values.channel === 'WHATSAPP' ? await loadVerdicts(scope) : new Map());
}

/** Drops the tenant's override so Kabar's default applies again. */
export async function resetTemplate(
  scope: TenantScope,
  key: { eventType: string; channel: ChannelName; language: LanguageName },
): Promise<TemplateView> {
  const [row] = await scope.tx
    .delete(templates)
    .where(
      and(
        eq(templates.eventType, key.eventType),
        eq(templates.channel, key.channel),
        eq(templates.language, key.language),
      ),
    )
    .returning();
  if (!row) throw new NotFoundError('Template override', keyOf(key));
  await audit(scope, { action: 'config.template.reset', entityType: 'template', entityId: keyOf(key), details: {} });
  const d = defaultTemplate(key.eventType, key.channel, key.language);
  if (!d) throw new NotFoundError('Default template', keyOf(key));
  return withVerdict(fromDefault(d), key.channel === 'WHATSAPP' ? await loadVerdicts(scope) : new Map());
}
