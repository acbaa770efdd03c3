// Default templates Kabar ships for every notifying event × channel × language.
// Tenants override them; the texts live in one file per language.
import { CHANNELS, LANGUAGES, notifyingEventTypes } from '../events/catalogue.js';
import type { ChannelName, LanguageCode } from '../events/catalogue.js';
import { TEXTS_EN } from './defaults.en.js';
import { TEXTS_FR } from './defaults.fr.js';
import { TEXTS_ID } from './defaults.id.js';
import type { EventTexts } from './texts.types.js';

export type WhatsAppCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION' | 'SERVICE';

export interface DefaultTemplate {
  eventType: string;
  channel: ChannelName;
  language: LanguageCode;
  /** EMAIL: the subject; PUSH: the notification title; otherwise null. */
  subject: string | null;
  body: string;
  whatsAppTemplateName: string | null;
  whatsAppCategory: WhatsAppCategory | null;
}

export type { EventTexts } from './texts.types.js';

const TEXTS: Record<LanguageCode, Readonly<Record<string, EventTexts>>> = { ID: TEXTS_ID, EN: TEXTS_EN, FR: TEXTS_FR };

/** Meta templates have per-language variants under one name, so the name has no language. */
export function whatsAppTemplateNameFor(eventType: string): string {
  return `kabar_${eventType.replace(/\./g, '_')}`;
}

function build(eventType: string, channel: ChannelName, language: LanguageCode, t: EventTexts): DefaultTemplate {
  const base = { eventType, channel, language, whatsAppTemplateName: null, whatsAppCategory: null };
  switch (channel) {
    case 'EMAIL':
      return { ...base, subject: t.email.subject, body: t.email.body };
    case 'PUSH':
      return { ...base, subject: t.push.title, body: t.push.body };
    case 'SMS':
      return { ...base, subject: null, body: t.sms };
    case 'WHATSAPP':
      // Every default is transactional, hence UTILITY (never MARKETING).
      return {
        ...base,
        subject: null,
        body: t.whatsapp,
        whatsAppTemplateName: whatsAppTemplateNameFor(eventType),
        whatsAppCategory: 'UTILITY',
      };
  }
}

export const DEFAULT_TEMPLATES: readonly DefaultTemplate[] = notifyingEventTypes().flatMap((eventType) =>
  LANGUAGES.flatMap((language) => {
    const texts = TEXTS[language][eventType];
    if (!texts) throw new Error(`missing ${language} default texts for ${eventType}`);
    return CHANNELS.map((channel) => build(eventType, channel, language, texts));
  }),
);

const INDEX = new Map(DEFAULT_TEMPLATES.map((t) => [`${t.eventType}|${t.channel}|${t.language}`, t]));

export function defaultTemplate(
  eventType: string,
  channel: ChannelName,
  language: LanguageCode,
): DefaultTemplate | undefined {
  return INDEX.get(`${eventType}|${channel}|${language}`);
}
