// Private previews (issue 17): with the tenant's Private_Previews=1, the SMS and push texts of
// clinical events say only that the hospital has a message and where to read it, because
// they show on a lock screen. WhatsApp and email keep the full text (they open in an app).
import { matchesEventPattern, type LanguageCode } from '../events/catalogue.js';
import { PRIVATE_TEXTS_EN } from './defaults.en.js';
import { PRIVATE_TEXTS_FR } from './defaults.fr.js';
import { PRIVATE_TEXTS_ID } from './defaults.id.js';
import type { PrivateTexts } from './texts.types.js';

export type { PrivateTexts } from './texts.types.js';

/**
 * The clinical events: those whose SMS or push text would put health details (diagnosis,
 * doctor, report or prescription, the fact and time of a visit) on a lock screen. Every
 * appointment event (a new one included), a doctor's leave (names the doctor and the
 * appointment), prescriptions, reports, and a registration (names the clinic service).
 * Not clinical: the walk-in queue (a token and a room, and the patient is at the desk
 * waiting for it) and staff or admin events (they go to the hospital's own people).
 */
export const CLINICAL_EVENT_PATTERNS: readonly string[] = [
  'appointment.*',
  'doctor.emergency_leave',
  'prescription.ready',
  'report.ready',
  'patient.registered',
];

export function isClinicalEvent(eventType: string): boolean {
  return CLINICAL_EVENT_PATTERNS.some((p) => matchesEventPattern(p, eventType));
}

const TEXTS: Record<LanguageCode, PrivateTexts> = { ID: PRIVATE_TEXTS_ID, EN: PRIVATE_TEXTS_EN, FR: PRIVATE_TEXTS_FR };

export function privateTexts(language: LanguageCode): PrivateTexts {
  return TEXTS[language];
}
