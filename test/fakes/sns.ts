import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { startFakeServer } from './server.js';
import { selfSignedCertificate } from './x509.js';

// SNS as seen by an HTTP subscriber: envelopes signed exactly as AWS documents, with a key
// and self-signed certificate of our own published at an sns.<region>.amazonaws.com URL
// that only `fetchCert` serves (inject it into Kabar's verifier).

export interface SnsEnvelope {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: '1' | '2';
  Signature: string;
  SigningCertURL: string;
  UnsubscribeURL?: string;
  Token?: string;
  SubscribeURL?: string;
}

export interface SnsSigner {
  region: string;
  topicArn: string;
  certUrl: string;
  certPem: string;
  /** Serves the certificate for certUrl, like the AWS host would; counts fetches to check caching. */
  fetchCert(url: string): Promise<string>;
  readonly certFetches: number;
  notification(message: string | object, opts?: { subject?: string; version?: 1 | 2 }): SnsEnvelope;
  subscriptionConfirmation(opts?: { subscribeUrlBase?: string; version?: 1 | 2 }): SnsEnvelope;
  /** Signs arbitrary fields (for tampering tests: sign, then edit). */
  sign<T extends Omit<SnsEnvelope, 'Signature' | 'SignatureVersion' | 'SigningCertURL'>>(
    fields: T,
    version?: 1 | 2,
  ): T & Pick<SnsEnvelope, 'Signature' | 'SignatureVersion' | 'SigningCertURL'>;
}

/** AWS's canonical string, written independently of Kabar's verifier. */
function stringToSign(e: Record<string, string | undefined>): string {
  const keys =
    e.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys
    .filter((k) => e[k] !== undefined)
    .map((k) => `${k}\n${e[k]}\n`)
    .join('');
}

export function createSnsSigner(options: { region?: string; topicArn?: string } = {}): SnsSigner {
  const region = options.region ?? 'ap-southeast-1';
  const topicArn = options.topicArn ?? `arn:aws:sns:${region}:123456789012:kabar-ses-events`;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certPem = selfSignedCertificate(publicKey, privateKey, 'sns.amazonaws.com');
  const certUrl = `https://sns.${region}.amazonaws.com/SimpleNotificationService-${randomBytes(16).toString('hex')}.pem`;
  let certFetches = 0;

  const signFields: SnsSigner['sign'] = (fields, version = 1) => {
    const signature = sign(
      version === 2 ? 'RSA-SHA256' : 'RSA-SHA1',
      Buffer.from(stringToSign(fields as unknown as Record<string, string>), 'utf8'),
      privateKey,
    );
    return {
      ...fields,
      SignatureVersion: String(version) as '1' | '2',
      Signature: signature.toString('base64'),
      SigningCertURL: certUrl,
    };
  };

  return {
    region,
    topicArn,
    certUrl,
    certPem,
    async fetchCert(url) {
      certFetches++;
      if (url !== certUrl) throw new Error(`404 ${url}`);
      return certPem;
    },
    get certFetches() {
      return certFetches;
    },
    notification(message, opts = {}) {
      const id = randomUUID();
      return signFields(
        {
          Type: 'Notification' as const,
          MessageId: id,
          TopicArn: topicArn,
          ...(opts.subject !== undefined ? { Subject: opts.subject } : {}),
          Message: typeof message === 'string' ? message : JSON.stringify(message),
          Timestamp: new Date().toISOString(),
          UnsubscribeURL: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${id}`,
        },
        opts.version,
      );
    },
    subscriptionConfirmation(opts = {}) {
      const token = randomBytes(64).toString('hex');
      const base = opts.subscribeUrlBase ?? `https://sns.${region}.amazonaws.com/`;
      return signFields(
        {
          Type: 'SubscriptionConfirmation' as const,
          MessageId: randomUUID(),
          Token: token,
          TopicArn: topicArn,
          Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
          SubscribeURL: `${base}?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`,
          Timestamp: new Date().toISOString(),
        },
        opts.version,
      );
    },
    sign: signFields,
  };
}

/** Delivers an envelope the way SNS does: JSON in a text/plain body plus x-amz-sns-* headers. */
export async function postSnsEnvelope(url: string, envelope: SnsEnvelope | Record<string, unknown>): Promise<Response> {
  const e = envelope as Record<string, string>;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'user-agent': 'Amazon Simple Notification Service Agent',
      'x-amz-sns-message-type': e.Type ?? '',
      'x-amz-sns-message-id': e.MessageId ?? '',
      'x-amz-sns-topic-arn': e.TopicArn ?? '',
      ...(e.Type === 'Notification' ? { 'x-amz-sns-subscription-arn': `${e.TopicArn}:${randomUUID()}` } : {}),
    },
    body: JSON.stringify(envelope),
  });
}

function mail(messageId: string, to: string) {
  return {
    timestamp: new Date(Date.now() - 2000).toISOString(),
    messageId,
    source: 'no-reply@kabar.test',
    sourceArn: 'arn:aws:ses:ap-southeast-1:123456789012:identity/kabar.test',
    sourceIp: '127.0.0.1',
    sendingAccountId: '123456789012',
    destination: [to],
    headersTruncated: false,
  };
}

/** SES event publishing's "Send" event: SES accepted the message; carries the send's tags. */
export function sesSendEvent(messageId: string, tags: Record<string, string>, to = 'patient@example.com') {
  return {
    eventType: 'Send',
    mail: { ...mail(messageId, to), tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [v]])) },
    send: {},
  };
}

/** SES "Delivery" notification (identity notification format). */
export function sesDeliveryMessage(messageId: string, to = 'patient@example.com', at = new Date()) {
  return {
    notificationType: 'Delivery',
    mail: mail(messageId, to),
    delivery: {
      timestamp: at.toISOString(),
      processingTimeMillis: 546,
      recipients: [to],
      smtpResponse: '250 2.0.0 OK',
      remoteMtaIp: '127.0.2.0',
      reportingMTA: 'a8-70.smtp-out.amazonses.com',
    },
  };
}

export function sesBounceMessage(
  messageId: string,
  bounceType: 'Permanent' | 'Transient' | 'Undetermined',
  bounceSubType = 'General',
  to = 'patient@example.com',
  at = new Date(),
) {
  return {
    notificationType: 'Bounce',
    mail: mail(messageId, to),
    bounce: {
      bounceType,
      bounceSubType,
      bouncedRecipients: [
        { emailAddress: to, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
      ],
      timestamp: at.toISOString(),
      feedbackId: `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`,
      reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
    },
  };
}

export function sesComplaintMessage(messageId: string, to = 'patient@example.com') {
  return {
    notificationType: 'Complaint',
    mail: mail(messageId, to),
    complaint: {
      complainedRecipients: [{ emailAddress: to }],
      timestamp: new Date().toISOString(),
      feedbackId: randomUUID(),
      complaintFeedbackType: 'abuse',
    },
  };
}

/** Records GETs on SubscribeURL, standing in for SNS's ConfirmSubscription endpoint. */
export async function startSnsConfirmationServer(): Promise<{
  url: string;
  confirmations: { topicArn: string; token: string }[];
  close(): Promise<void>;
}> {
  const confirmations: { topicArn: string; token: string }[] = [];
  const server = await startFakeServer(({ res, method, query }) => {
    if (method === 'GET' && query.get('Action') === 'ConfirmSubscription') {
      confirmations.push({ topicArn: query.get('TopicArn') ?? '', token: query.get('Token') ?? '' });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ConfirmSubscriptionResult><SubscriptionArn>${query.get('TopicArn')}:${randomUUID()}</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></ConfirmSubscriptionResponse>`,
      );
      return;
    }
    res.writeHead(400);
    res.end();
  });
  return { url: `${server.url}/`, confirmations, close: () => server.close() };
}

/** Signs an SES event (e.g. sesDeliveryMessage(...)) into an SNS Notification and posts it to Kabar. */
export async function sendSesEvent(
  url: string,
  signer: SnsSigner,
  sesMessage: object,
  version: 1 | 2 = 1,
): Promise<Response> {
  return postSnsEnvelope(url, signer.notification(sesMessage, { version }));
}
