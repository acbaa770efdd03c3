// The shapes of the default texts, apart from the code that reads them: the locale files
// (defaults.<language>.ts) import these, and defaults.ts and private.ts import the locale files.

/** The texts of one event in one language. */
export interface EventTexts {
  email: { subject: string; body: string };
  whatsapp: string;
  sms: string;
  push: { title: string; body: string };
}

/** The lock-screen-safe texts of one language. Only {{tenant.name}} and {{centre.name}} are offered. */
export interface PrivateTexts {
  sms: string;
  push: { title: string; body: string };
}
