import { DEFAULT_TEMPLATES } from '../../src/templates/defaults.js';
import type { WhatsAppFakeOptions } from './whatsapp.js';

// What the tenant's WhatsApp Business Account has approved at Meta, before any test registers more:
// the templates Kabar ships, one variant per language. The parameter count is read from each
// shipped body by counting its placeholders here, not by Kabar's renderer, so a renderer that sends
// one parameter too many or too few is refused (132000) as Meta would.

const PLACEHOLDER = /\{\{\s*([^#^/!{}][^{}]*?)\s*\}\}/g;

export function shippedWhatsAppTemplates(): NonNullable<WhatsAppFakeOptions['templates']> {
  const out: NonNullable<WhatsAppFakeOptions['templates']> = {};
  for (const t of DEFAULT_TEMPLATES) {
    if (t.channel !== 'WHATSAPP' || !t.whatsAppTemplateName) continue;
    if (/\{\{[#^/]/.test(t.body))
      throw new Error(`${t.whatsAppTemplateName} (${t.language}): a section makes the parameter count vary`);
    const parameters = [...t.body.matchAll(PLACEHOLDER)].length;
    const entry = (out[t.whatsAppTemplateName] ??= { languages: [], parameters });
    if (entry.parameters !== parameters)
      throw new Error(`${t.whatsAppTemplateName}: languages differ in parameter count`);
    entry.languages.push(t.language.toLowerCase());
  }
  return out;
}
