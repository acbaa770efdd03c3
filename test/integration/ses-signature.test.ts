import { SignatureV4 } from '@smithy/signature-v4';
import { SESClient } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailChannel } from '../../src/channels/email.channel.js';
import { DEFAULT_AWS_KEY, startSesFake, type SesFake } from '../fakes/index.js';

// The SES fake verifies SigV4 as AWS does. AWS's own signer (the SDK's @smithy/signature-v4, with
// the SDK's sha256) is the oracle: what it signs for this endpoint passes, and a signature over
// another host, port, body or secret is refused with SES's 403 and its XML error.

const REGION = 'ap-southeast-1';
const BODY =
  'Action=SendEmail&Version=2010-12-01&Source=a%40kabar.test&Destination.ToAddresses.member.1=p%40example.com&Message.Subject.Data=Hi&Message.Body.Text.Data=Hello';
let ses: SesFake;

beforeAll(async () => {
  ses = await startSesFake({ region: REGION });
});
afterAll(async () => {
  await ses?.close();
});

/** Signs with the SDK's signer for `signedUrl`, then posts to the fake (optionally another body than the one signed). */
async function post(signedUrl: string, opts: { secret?: string; accessKeyId?: string; sentBody?: string } = {}) {
  const url = new URL(signedUrl);
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: opts.accessKeyId ?? DEFAULT_AWS_KEY.accessKeyId,
      secretAccessKey: opts.secret ?? DEFAULT_AWS_KEY.secretAccessKey,
    },
    region: REGION,
    service: 'ses',
    sha256: new SESClient({ region: REGION }).config.sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
    body: BODY,
  });
  const { host: _host, ...headers } = signed.headers as Record<string, string>;
  const res = await fetch(ses.url, { method: 'POST', headers, body: opts.sentBody ?? BODY });
  return { status: res.status, text: await res.text() };
}

const code = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

describe('the SES fake checks SigV4 signatures against the SDK signer', () => {
  it('accepts a request the SDK signed for this endpoint with the known key', async () => {
    const res = await post(ses.url);
    expect(res.status, res.text).toBe(200);
    expect(ses.received).toHaveLength(1);
    expect(ses.received[0]).toMatchObject({ accessKeyId: 'AKIDTEST', region: REGION, to: ['p@example.com'] });
  });

  const otherPort = () => ses.url.replace(/:(\d+)$/, (_: string, port: string) => `:${Number(port) + 1}`);
  const cases: [string, () => string, { secret?: string; accessKeyId?: string; sentBody?: string }, string][] = [
    ['another host', () => 'https://email.ap-southeast-1.amazonaws.com/', {}, 'SignatureDoesNotMatch'],
    ['another port', otherPort, {}, 'SignatureDoesNotMatch'],
    ['another body than the one signed', () => ses.url, { sentBody: `${BODY}x` }, 'SignatureDoesNotMatch'],
    ['a wrong secret', () => ses.url, { secret: 'not-the-secret' }, 'SignatureDoesNotMatch'],
    ['an unknown access key', () => ses.url, { accessKeyId: 'AKIDUNKNOWN' }, 'InvalidClientTokenId'],
  ];
  it.each(cases)('refuses a signature over %s with HTTP 403 %s', async (_what, url, opts, expected) => {
    const before = ses.received.length;
    const res = await post(url(), opts);
    expect(res.status).toBe(403);
    expect(code(res.text)).toBe(expected);
    expect(res.text).toMatch(
      /^<ErrorResponse xmlns="http:\/\/ses\.amazonaws\.com\/doc\/2010-12-01\/">\n {2}<Error>\n {4}<Type>Sender<\/Type>/,
    );
    expect(ses.received).toHaveLength(before);
  });

  it("Kabar's adapter with a wrong secret fails permanently with SES's reason", async () => {
    const email = createEmailChannel({
      region: REGION,
      endpoint: ses.url,
      from: 'a@kabar.test',
      timeoutMs: 2000,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'wrong' },
    });
    const out = await email.send({ to: 'p@example.com', subject: 'Hi', text: 'Hello', html: '<p>Hello</p>' });
    expect(out).toMatchObject({
      ok: false,
      transient: false,
      reason: expect.stringMatching(/^SignatureDoesNotMatch: The request signature we calculated does not match/),
    });
  });
});
