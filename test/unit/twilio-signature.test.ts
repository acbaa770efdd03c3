import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { verifyTwilioSignature, type FormParams } from '../../src/channels/sms.channel.js';
import { seededRandom } from '../fakes/server.js';

// Kabar's X-Twilio-Signature check against the official `twilio` package's own validator
// (devDependency), on generated requests to both of Kabar's Twilio endpoints (status callback, with
// its ?delivery= query, and inbound): random fields, repeated fields, ports, schemes, queries and
// characters that URL normalisation rewrites; signatures over the same, a nearby or a wrong URL or
// form. Both must accept, or both refuse, every one.

interface TwilioWebhooks {
  validateRequest(authToken: string, header: string, url: string, params: Record<string, unknown>): boolean;
  getExpectedTwilioSignature(authToken: string, url: string, params: Record<string, unknown>): string;
}
// Through require, so that the oracle also resolves from NODE_PATH before the lead installs it.
const twilio = createRequire(import.meta.url)('twilio') as TwilioWebhooks;

const oracle = (token: string, header: string, url: string, params: FormParams) => {
  try {
    return twilio.validateRequest(token, header, url, params);
  } catch {
    return false; // an unparsable URL throws there; Kabar only ever builds parsable ones
  }
};

type Random = () => number;
const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

const HOSTS = ['kabar.example', 'Kabar.Example', '127.0.0.1', 'api.rs-sehat.co.id', '[::1]'];
const QUERIES = [
  '',
  '?delivery=6f1c2a9e-1d3b-4c57-9a8e-0b2f4d6e8a10',
  "?delivery=it's",
  '?a=1&a=2',
  '?x=a+b&y=%41',
  '?q=caf%C3%A9',
  '?e=',
  '?',
];
const KEYS = [
  'MessageSid',
  'SmsSid',
  'AccountSid',
  'From',
  'To',
  'Body',
  'MessageStatus',
  'ErrorCode',
  'NumMedia',
  'MediaUrl0',
  'ApiVersion',
  'x',
  'X',
  'a_b',
];
const VALUES = [
  'SM0123456789abcdef',
  '+6281234567890',
  'BERHENTI',
  'stop',
  'Terima kasih 🙏',
  'café',
  'a b',
  '',
  '1',
  'https://api.twilio.com/m/1?x=1&y=2',
  "it's",
  '+',
];

/** A URL Kabar would verify: its public URL (any scheme, host, port) plus one of its two Twilio paths. */
function receivedUrl(r: Random): string {
  const scheme = pick(r, ['https', 'http', 'HTTPS']);
  const port = pick(r, ['', '', ':443', ':80', ':8443', ':4000']);
  const tenant = '0b5f3c1e-7a2d-4e8f-9c6b-1d2e3f4a5b6c';
  const path = pick(r, [
    `/webhooks/sms/${tenant}`,
    `/webhooks/sms/${tenant}/inbound`,
    `/kabar/webhooks/sms/${tenant}`,
    "/webhooks/sms/it's",
  ]);
  return `${scheme}://${pick(r, HOSTS)}${port}${path}${pick(r, QUERIES)}`;
}

function formParams(r: Random): FormParams {
  const params: FormParams = {};
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const key = pick(r, KEYS);
    // Repeated fields: some with a value twice (signed once), some with distinct values.
    params[key] = r() < 0.25 ? Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, VALUES)) : pick(r, VALUES);
  }
  return params;
}

/** The URL a sender may have signed, near the received one. */
function signingUrl(r: Random, url: string): string {
  const u = (() => {
    try {
      return new URL(url);
    } catch {
      return null;
    }
  })();
  switch (pick(r, ['same', 'same', 'noPort', 'defaultPort', 'otherPort', 'normalised', 'scheme', 'path'])) {
    case 'noPort':
      return url.replace(/^([a-z]+:\/\/[^/?#]*?)(:\d+)?(?=[/?#]|$)/i, '$1');
    case 'defaultPort':
      return url.replace(
        /^(https?):\/\/([^/?#:]*|\[[^\]]*\])(?=[/?#]|$)/i,
        (_m, s: string, h: string) => `${s}://${h}:${s.toLowerCase() === 'https' ? 443 : 80}`,
      );
    case 'otherPort':
      return url.replace(/^([a-z]+:\/\/[^/?#]*?)(:\d+)?(?=[/?#]|$)/i, '$1:9999');
    case 'normalised':
      return u ? u.toString() : url;
    case 'scheme':
      return url.replace(/^https?/i, (s) => (s.toLowerCase() === 'https' ? 'http' : 'https'));
    case 'path':
      return url.replace('/webhooks/', '/webhook/');
    default:
      return url;
  }
}

/** The form a sender may have signed: the same, or one changed a little. */
function signingParams(r: Random, params: FormParams): FormParams {
  const copy: FormParams = { ...params };
  const keys = Object.keys(copy);
  const key = pick(r, keys);
  switch (pick(r, ['same', 'same', 'same', 'value', 'drop', 'add', 'dupe', 'single'])) {
    case 'value':
      copy[key] = `${String(copy[key])}x`;
      break;
    case 'drop':
      delete copy[key];
      break;
    case 'add':
      copy.Extra = '1';
      break;
    case 'dupe': // the same values, one repeated: signed once per value, so still equal
      copy[key] = Array.isArray(copy[key]) ? [...copy[key], copy[key][0] ?? ''] : [copy[key]!, copy[key]!];
      break;
    case 'single':
      copy[key] = Array.isArray(copy[key]) ? (copy[key][0] ?? '') : [copy[key]!, 'other'];
      break;
  }
  return copy;
}

describe('X-Twilio-Signature: Kabar agrees with the twilio package', () => {
  it('on 4,000 generated requests to the status callback and inbound URLs', () => {
    const r = seededRandom(20261203);
    const tally = { accepted: 0, refused: 0 };
    const disagreements: unknown[] = [];
    for (let i = 0; i < 4000; i++) {
      const token = pick(r, ['12345', 'f1e2d3c4b5a697887766554433221100', 'tøken']);
      const url = receivedUrl(r);
      const params = formParams(r);
      const header =
        r() < 0.05
          ? pick(r, ['', 'garbage', 'GvWf1cFY/Q7PnoempGyD5oXAezc='])
          : twilio.getExpectedTwilioSignature(
              r() < 0.05 ? 'wrong-token' : token,
              signingUrl(r, url),
              signingParams(r, params),
            );
      const expected = oracle(token, header, url, params);
      const ours = verifyTwilioSignature(token, url, params, header);
      tally[expected ? 'accepted' : 'refused']++;
      if (ours !== expected) disagreements.push({ url, params, header, expected });
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    // Both outcomes are well represented.
    expect(tally.accepted).toBeGreaterThan(1000);
    expect(tally.refused).toBeGreaterThan(1000);
  });

  it.each([
    [
      'port signed, none received',
      'https://kabar.example/webhooks/sms/t',
      'https://kabar.example:443/webhooks/sms/t',
      true,
    ],
    [
      'no port signed, one received',
      'http://127.0.0.1:4000/webhooks/sms/t/inbound',
      'http://127.0.0.1/webhooks/sms/t/inbound',
      true,
    ],
    ['another non-default port', 'http://127.0.0.1:4000/webhooks/sms/t', 'http://127.0.0.1:5000/webhooks/sms/t', false],
    [
      'normalised query signed',
      "https://kabar.example/webhooks/sms/t?delivery=it's",
      'https://kabar.example/webhooks/sms/t?delivery=it%27s',
      true,
    ],
    ['IPv6 host with a port', 'http://[::1]:4000/webhooks/sms/t', 'http://[::1]/webhooks/sms/t', true],
  ])('%s', (_name, received, signed, valid) => {
    const params = { MessageSid: 'SM1', Body: ['STOP', 'STOP', 'stop'] };
    const header = twilio.getExpectedTwilioSignature('12345', signed, params);
    expect(oracle('12345', header, received, params)).toBe(valid);
    expect(verifyTwilioSignature('12345', received, params, header)).toBe(valid);
  });
});
