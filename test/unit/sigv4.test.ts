import { SESClient } from '@aws-sdk/client-ses';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { signSigV4 } from '../../src/channels/sigv4.js';

// Kabar's SigV4 against the SDK's own signer (the one @aws-sdk/client-ses signs with), on the
// same request, credentials and date.

const sdkSign = async (url: URL, headers: Record<string, string>, body: string, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, at: Date) => {
  const signer = new SignatureV4({ credentials: creds, region: 'ap-southeast-1', service: 'ses', sha256: new SESClient({ region: 'ap-southeast-1' }).config.sha256 });
  const query = Object.fromEntries(url.searchParams);
  const signed = await signer.sign(
    { method: 'POST', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname, query, headers: { ...headers, host: url.host }, body },
    { signingDate: at },
  );
  return signed.headers as Record<string, string>;
};

describe('SigV4 signing', () => {
  const at = new Date('2026-12-02T06:40:12.345Z');
  const body = 'Action=SendEmail&Version=2010-12-01&Source=Kabar%20%3Cno-reply%40kabar.test%3E&Message.Subject.Data=Janji%20temu%20%E2%9C%93';
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };

  it.each([
    ['AWS endpoint', 'https://email.ap-southeast-1.amazonaws.com/', undefined],
    ['custom endpoint with a port', 'http://127.0.0.1:4566/', undefined],
    ['a path and a query', 'http://ses.internal:8080/prefix/a b/?b=2&a=1&c=x%20y', undefined],
    ['temporary credentials', 'https://email.ap-southeast-1.amazonaws.com/', 'session-token-xyz'],
  ])('matches the SDK signer: %s', async (_name, href, sessionToken) => {
    const url = new URL(href);
    const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', ...(sessionToken ? { sessionToken } : {}) };
    const ours = signSigV4({ url, method: 'POST', headers, body }, creds, 'ap-southeast-1', 'ses', at);
    const theirs = await sdkSign(url, headers, body, creds, at);
    expect(ours['x-amz-date']).toBe('20261202T064012Z');
    expect(ours['x-amz-date']).toBe(theirs['x-amz-date']);
    expect(ours['x-amz-security-token']).toBe(theirs['x-amz-security-token']);
    expect(ours['x-amz-content-sha256']).toBe(theirs['x-amz-content-sha256']);
    expect(ours.authorization).toBe(theirs.authorization);
  });

  it('changes with the body, the secret and the day', () => {
    const url = new URL('https://email.ap-southeast-1.amazonaws.com/');
    const creds = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
    const sig = (b: string, c = creds, d = at) => signSigV4({ url, method: 'POST', headers, body: b }, c, 'ap-southeast-1', 'ses', d).authorization;
    expect(sig(body)).not.toBe(sig(`${body}x`));
    expect(sig(body)).not.toBe(sig(body, { ...creds, secretAccessKey: 'other' }));
    expect(sig(body)).not.toBe(sig(body, creds, new Date('2026-12-03T06:40:12Z')));
    expect(sig(body)).toBe(sig(body));
  });
});
