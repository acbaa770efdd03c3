import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { certificateKey, trustedCertUrl, verifySnsMessage } from '../../src/channels/sns-verify.js';
import { createSnsSigner, sesDeliveryMessage } from '../fakes/sns.js';

// SigningCertURL pinned as AWS's SDKs pin it (https, an SNS host, /SimpleNotificationService-<hex>.pem,
// no query), and a fetched body taken only if it is exactly one PEM certificate: each refusal.

const hostPattern = new RegExp(loadConfig({}).SNS_CERT_HOST_PATTERN);
const HEX = '9c6465fa7f48f5cacd23014631ec1136';

describe('SNS SigningCertURL', () => {
  it.each([
    [`https://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-${HEX}.pem`, 'a commercial region'],
    [`https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-${HEX}.pem`, 'GovCloud'],
    [`https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-${HEX}.pem`, 'China'],
    [
      `https://SNS.eu-west-1.AmazonAWS.com/SimpleNotificationService-${HEX.toUpperCase()}.pem`,
      'any letter case in host and hex',
    ],
  ])('accepts %s (%s)', (url) => {
    expect(trustedCertUrl(url, hostPattern)).toBe(true);
  });

  it.each([
    [`http://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-${HEX}.pem`, 'not HTTPS'],
    [
      `https://sns.ap-southeast-1.amazonaws.com.evil.test/SimpleNotificationService-${HEX}.pem`,
      'an AWS-looking host under another domain',
    ],
    [`https://evil.test/SimpleNotificationService-${HEX}.pem`, 'another host'],
    [`https://s3.amazonaws.com/SimpleNotificationService-${HEX}.pem`, 'an AWS host that is not SNS'],
    [`https://sns.amazonaws.com/SimpleNotificationService-${HEX}.pem`, 'no region'],
    [`https://sns.ap-southeast-1.amazonaws.com:8443/SimpleNotificationService-${HEX}.pem`, 'a port'],
    [`https://sns.ap-southeast-1.amazonaws.com:443/SimpleNotificationService-${HEX}.pem`, 'even the default port'],
    [`https://user@sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-${HEX}.pem`, 'user info'],
    [
      `https://sns.ap-southeast-1.amazonaws.com@evil.test/SimpleNotificationService-${HEX}.pem`,
      'an AWS host as user info',
    ],
    [`https://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-${HEX}.pem?x=1`, 'a query'],
    [`https://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-${HEX}.pem?`, 'an empty query'],
    [`https://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-${HEX}.pem#x`, 'a fragment'],
    ['https://sns.ap-southeast-1.amazonaws.com/cert.pem', 'another file'],
    ['https://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-xyz.pem', 'a name that is not hex'],
    ['https://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-.pem', 'no hex at all'],
    [`https://sns.ap-southeast-1.amazonaws.com/a/SimpleNotificationService-${HEX}.pem`, 'another directory'],
    [`https://sns.ap-southeast-1.amazonaws.com/x/../SimpleNotificationService-${HEX}.pem`, 'a dot segment'],
    [`https://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-${HEX}.pem.txt`, 'another extension'],
    [
      `https://sns.ap-southeast-1.amazonaws.com/simplenotificationservice-${HEX}.pem`,
      'another letter case in the name',
    ],
    [`https://sns.ap-southeast-1.amazonaws.com\\@evil.test/SimpleNotificationService-${HEX}.pem`, 'a backslash'],
    [`https://sns.ap-southeast-1.amazonaws%2ecom/SimpleNotificationService-${HEX}.pem`, 'an encoded host'],
    [` https://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-${HEX}.pem`, 'leading space'],
  ])('refuses %s (%s)', (url) => {
    expect(trustedCertUrl(url, hostPattern)).toBe(false);
  });

  it('keeps a configured host pattern working (tests serve their own certificate)', () => {
    expect(trustedCertUrl(`https://sns.test.local/SimpleNotificationService-${HEX}.pem`, /^sns\.test\.local$/)).toBe(
      true,
    );
    expect(
      trustedCertUrl(
        `https://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-${HEX}.pem`,
        /^sns\.test\.local$/,
      ),
    ).toBe(false);
  });

  it('refuses a message whose URL fails, before fetching anything', async () => {
    const signer = createSnsSigner();
    let fetched = 0;
    const fetchCert = async () => (fetched++, signer.certPem);
    const env = signer.notification(sesDeliveryMessage('m-1'));
    expect(await verifySnsMessage(env, { certHostPattern: hostPattern, fetchCert })).toBe(true);
    expect(
      await verifySnsMessage(
        { ...env, SigningCertURL: `${env.SigningCertURL}?x=1` },
        { certHostPattern: hostPattern, fetchCert },
      ),
    ).toBe(false);
    expect(
      await verifySnsMessage(
        { ...env, SigningCertURL: env.SigningCertURL.replace('.pem', '.crt') },
        { certHostPattern: hostPattern, fetchCert },
      ),
    ).toBe(false);
    expect(fetched).toBe(1);
  });
});

describe('SNS signing certificate body', () => {
  const signer = createSnsSigner();
  const other = createSnsSigner();
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });

  it('takes exactly one PEM certificate, with or without surrounding whitespace or CRLF', () => {
    expect(certificateKey(signer.certPem).asymmetricKeyType).toBe('rsa');
    expect(certificateKey(`\n${signer.certPem}\n\n`).asymmetricKeyType).toBe('rsa');
    expect(certificateKey(signer.certPem.replace(/\n/g, '\r\n')).asymmetricKeyType).toBe('rsa');
  });

  it.each([
    ['a bare public key', () => publicKey.export({ type: 'spki', format: 'pem' }).toString()],
    ['an RSA public key', () => publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()],
    ['a private key', () => privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
    ['two certificates', () => signer.certPem + other.certPem],
    ['a certificate then a key', () => signer.certPem + publicKey.export({ type: 'spki', format: 'pem' }).toString()],
    ['text before the certificate', () => `hello\n${signer.certPem}`],
    ['text after the certificate', () => `${signer.certPem}trailer`],
    ['an HTML error page', () => '<html><body>Access Denied</body></html>'],
    ['an empty body', () => ''],
    ['a certificate whose base64 is broken', () => signer.certPem.replace(/\n([A-Za-z0-9+/]{8})/, '\n!!!!$1')],
    [
      'a certificate block that is not DER',
      () => '-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n',
    ],
  ])('refuses %s', async (_name, body) => {
    expect(() => certificateKey(body())).toThrow();
    const env = signer.notification(sesDeliveryMessage('m-2'));
    expect(await verifySnsMessage(env, { certHostPattern: hostPattern, fetchCert: async () => body() })).toBe(false);
  });
});
