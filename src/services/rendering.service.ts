import type { TenantScope } from '../db/tenant.js';
import { buildVariables } from '../templates/variables.js';
import { escapeHtml, renderTemplate, singleLine, whatsAppParameters } from '../templates/render.js';
import { isClinicalEvent, privateTexts } from '../templates/private.js';
import type { PlannedMessage } from './recipients.service.js';
import { cachedConfig } from './config-cache.service.js';
import { templatesInForce, type TemplateView } from './templates.service.js';
import type { TenantRow } from './tenants.service.js';

/** What a template renders to: what a channel adapter needs to send (and re-send on retry) one message. */
export type RenderedContent =
  | { channel: 'WHATSAPP'; templateName: string; category: string; language: string; parameters: string[] }
  | { channel: 'EMAIL'; subject: string; text: string; html: string }
  | { channel: 'SMS'; body: string }
  | { channel: 'PUSH'; title: string; body: string };

/**
 * A WhatsApp free-form text: only Kabar's answer to a patient's own message (a keyword's
 * confirmation), inside the customer-service window that message opened. Never from a template.
 */
export type WhatsAppTextContent = { channel: 'WHATSAPP'; kind: 'text'; body: string };

/** What a delivery row's `content` holds. */
export type MessageContent = RenderedContent | WhatsAppTextContent;

export type Rendered = { ok: true; body: string; content: RenderedContent } | { ok: false; reason: string };

/** The tenant's templates in force, read once per configuration-cache period. */
export function tenantTemplates(scope: TenantScope) {
  return cachedConfig(scope, 'templates', () => templatesInForce(scope));
}

const missing = (names: string[]) => ({ ok: false as const, reason: `MISSING_VARIABLE: ${names.join(', ')}` });

function emailHtml(text: string): string {
  // Values were escaped while rendering; paragraphs and line breaks are the only markup added.
  const paragraphs = text.split(/\n{2,}/).map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`);
  return `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#222">${paragraphs.join('')}</body></html>`;
}

export interface RenderOptions {
  /** The tenant's Private_Previews (read by the caller): SMS and push of clinical events say only that a message waits. */
  privatePreviews?: boolean;
}

/**
 * The lock-screen-safe SMS or push text of a clinical event. It wins over the tenant's own
 * template too (which may well name the doctor or the report). Only the tenant and centre
 * names are offered to it, so no event value can reach a lock screen through it. The body
 * returned (stored as the delivery's renderedBody) is this private text: it is what the
 * patient was sent, and the full clinical text is kept only where something did send it
 * (the WhatsApp and email deliveries of the same event).
 */
function renderPrivate(
  channel: 'SMS' | 'PUSH',
  tenant: TenantRow,
  centreName: string | undefined,
  m: PlannedMessage,
): Rendered {
  const texts = privateTexts(m.language);
  const same = centreName?.trim().toLowerCase() === tenant.name.trim().toLowerCase();
  const vars = { 'tenant.name': tenant.name, 'centre.name': same ? undefined : centreName };
  const body = renderTemplate(channel === 'SMS' ? texts.sms : texts.push.body, vars);
  if (!body.ok) return missing(body.missing);
  const text = singleLine(body.text);
  if (channel === 'SMS') return { ok: true, body: text, content: { channel: 'SMS', body: text } };
  const title = renderTemplate(texts.push.title, vars);
  if (!title.ok) return missing(title.missing);
  return {
    ok: true,
    body: text,
    content: { channel: 'PUSH', title: singleLine(title.text) || tenant.name, body: text },
  };
}

/** Renders one planned message in its language, dates in the centre's (else tenant's) time zone. */
export function renderMessage(
  template: TemplateView | undefined,
  tenant: TenantRow,
  eventType: string,
  data: unknown,
  m: PlannedMessage,
  opts: RenderOptions = {},
): Rendered {
  if (!template) return { ok: false, reason: `NO_TEMPLATE: ${eventType} ${m.channel} ${m.language}` };
  const vars = buildVariables(eventType, data, {
    language: m.language,
    timeZone: tenant.timezone,
    affectedIndex: m.affectedIndex,
  });
  // SMS and push are the channels whose text shows on a lock screen.
  if (opts.privatePreviews && (m.channel === 'SMS' || m.channel === 'PUSH') && isClinicalEvent(eventType)) {
    return renderPrivate(m.channel, tenant, vars['centre.name'], m);
  }
  vars['tenant.name'] ??= tenant.name;
  const text = renderTemplate(template.body, vars);
  if (!text.ok) return missing(text.missing);
  const subject = template.subject ? renderTemplate(template.subject, vars) : null;
  if (subject && !subject.ok) return missing(subject.missing);
  // A subject is an email header (and a push title): one line, whatever the values hold.
  const subjectText = subject?.ok ? singleLine(subject.text) : '';
  switch (m.channel) {
    case 'WHATSAPP': {
      if (!template.whatsAppTemplateName || !template.whatsAppCategory)
        return { ok: false, reason: 'NO_TEMPLATE: WhatsApp template name or category missing' };
      const parameters = whatsAppParameters(template.body, vars);
      return {
        ok: true,
        body: text.text,
        content: {
          channel: 'WHATSAPP',
          templateName: template.whatsAppTemplateName,
          category: template.whatsAppCategory,
          language: m.language.toLowerCase(),
          parameters,
        },
      };
    }
    case 'EMAIL': {
      const html = renderTemplate(template.body, vars, { escape: escapeHtml });
      if (!html.ok) return missing(html.missing);
      return {
        ok: true,
        body: text.text,
        content: { channel: 'EMAIL', subject: subjectText || eventType, text: text.text, html: emailHtml(html.text) },
      };
    }
    case 'SMS':
      return { ok: true, body: text.text, content: { channel: 'SMS', body: text.text } };
    case 'PUSH':
      return {
        ok: true,
        body: text.text,
        content: { channel: 'PUSH', title: subjectText || tenant.name, body: text.text },
      };
  }
}
