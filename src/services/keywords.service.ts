import type { Language } from './tenants.service.js';

export type KeywordAction = 'OPTED_OUT' | 'OPTED_IN';

// The words patients use in Kabar's three languages; written without accents (see `normalise`).
const STOP_WORDS = new Set(['STOP', 'BERHENTI', 'ARRET', 'UNSUBSCRIBE']);
const START_WORDS = new Set(['START', 'MULAI', 'DEMARRER', 'SUBSCRIBE']);

/**
 * Upper case, accents dropped ("arrêt" = ARRET: phones' keyboards differ), surrounding spaces,
 * punctuation and symbols (" stop! ", "Berhenti.", "«STOP»", an emoji) trimmed.
 */
export function normalise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '');
}

/**
 * What a patient's reply asks for: the whole message must be one keyword, so "don't stop my
 * reminders" or "stop by tomorrow?" change nothing. Pure: the webhook and the tests share it.
 */
export function matchKeyword(text: string): KeywordAction | null {
  const word = normalise(text);
  if (STOP_WORDS.has(word)) return 'OPTED_OUT';
  if (START_WORDS.has(word)) return 'OPTED_IN';
  return null;
}

type Replies = Record<KeywordAction, (tenant: string, channel: string) => string>;

// Each confirmation names the tenant and the channel, and how to undo it in the same language.
const REPLIES: Record<Language, Replies> = {
  ID: {
    OPTED_OUT: (t, c) =>
      `Anda tidak akan lagi menerima pesan dari ${t} melalui ${c}. Balas MULAI untuk berlangganan kembali.`,
    OPTED_IN: (t, c) =>
      `Anda akan kembali menerima pesan dari ${t} melalui ${c}. Balas BERHENTI untuk berhenti berlangganan.`,
  },
  EN: {
    OPTED_OUT: (t, c) => `You will no longer receive messages from ${t} on ${c}. Reply START to subscribe again.`,
    OPTED_IN: (t, c) => `You will receive messages from ${t} on ${c} again. Reply STOP to unsubscribe.`,
  },
  FR: {
    OPTED_OUT: (t, c) => `Vous ne recevrez plus de messages de ${t} par ${c}. Répondez DÉMARRER pour vous réabonner.`,
    OPTED_IN: (t, c) => `Vous recevrez à nouveau les messages de ${t} par ${c}. Répondez ARRÊT pour vous désabonner.`,
  },
};

/** The confirmation of a keyword, in the patient's language. */
export function keywordReply(
  action: KeywordAction,
  language: Language,
  tenantName: string,
  channel: 'WHATSAPP' | 'SMS',
): string {
  return REPLIES[language][action](tenantName, channel === 'WHATSAPP' ? 'WhatsApp' : 'SMS');
}
