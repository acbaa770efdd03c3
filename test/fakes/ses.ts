import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FaultPlan, hang, send, startFakeServer, type Fault, type FaultControls, withControls } from './server.js';
import { verifySigV4, type AwsKey } from './sigv4-verify.js';

// A fake SES v1 Query API endpoint: POST / form-encoded Action=SendEmail with a SigV4 Authorization header.

export interface SesFakeOptions {
  /** The region the SigV4 credential scope must name; unset = any. */
  region?: string;
  /** The access keys AWS knows: every request's SigV4 signature is recomputed with the key's secret. */
  credentials?: AwsKey[];
  /** Verified identities (addresses or domains); unset = every Source is verified. */
  verifiedIdentities?: string[];
  /** Existing configuration sets; unset = any name exists. */
  configurationSets?: string[];
  hangMs?: number;
}

export interface SesReceived {
  messageId: string;
  accessKeyId: string;
  region: string;
  source: string;
  to: string[];
  subject: string;
  text: string | undefined;
  html: string | undefined;
  tags: Record<string, string>;
  configurationSet: string | undefined;
  form: Record<string, string>;
}

export interface SesFake extends FaultControls {
  url: string;
  /** The access keys the fake verifies signatures with. */
  credentials: AwsKey[];
  received: SesReceived[];
  /** Called for each accepted message after its answer (receipts: test/fakes/receipts.ts). */
  onAccepted?: (message: SesReceived) => void;
}

/** The access key the shared fakes know, unless told others (what test/helpers/providers.ts configures). */
export const DEFAULT_AWS_KEY: AwsKey = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

const XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function sesError(res: ServerResponse, httpStatus: number, code: string, message: string): void {
  const type = httpStatus >= 500 ? 'Receiver' : 'Sender';
  send(
    res,
    httpStatus,
    { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() },
    `<ErrorResponse xmlns="${XMLNS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${xml(code)}</Code>\n    <Message>${xml(message)}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`,
  );
}

const PERMANENT: Record<string, string> = {
  MessageRejected:
    'Email address is not verified. The following identities failed the check in region AP-SOUTHEAST-1: no-reply@kabar.test',
  MailFromDomainNotVerifiedException: 'The MAIL FROM domain is not verified.',
  AccountSendingPausedException: 'Sending is paused for this account.',
  ConfigurationSetDoesNotExist: 'Configuration set <kabar> does not exist.',
};

/** Form fields like Destination.ToAddresses.member.1, .member.2 … in order. */
function members(form: Record<string, string>, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; form[`${prefix}.member.${i}`] !== undefined; i++) out.push(form[`${prefix}.member.${i}`]!);
  return out;
}

export async function startSesFake(options: SesFakeOptions = {}): Promise<SesFake> {
  const plan = new FaultPlan();
  const received: SesReceived[] = [];
  const counter = { attempts: 0 };
  const hangMs = options.hangMs ?? 10_000;
  const credentials = options.credentials ?? [DEFAULT_AWS_KEY];

  const injectFault = (res: ServerResponse, fault: Fault): void => {
    switch (fault.kind) {
      case 'timeout':
        return hang(res, hangMs);
      case '429':
        // SES v1 signals throttling as HTTP 400 with code Throttling, not HTTP 429.
        return sesError(
          res,
          400,
          'Throttling',
          fault.code === 'daily' ? 'Daily message quota exceeded.' : 'Maximum sending rate exceeded.',
        );
      case '5xx':
        return fault.code === 'ServiceUnavailable' || fault.code === 503
          ? sesError(res, 503, 'ServiceUnavailable', 'Service is unable to handle request.')
          : sesError(
              res,
              500,
              'InternalFailure',
              'The request processing has failed because of an unknown error, exception or failure.',
            );
      case 'permanent': {
        const code = String(fault.code ?? 'MessageRejected');
        return sesError(res, 400, code, PERMANENT[code] ?? code);
      }
    }
  };

  const server = await startFakeServer(({ req, res, method, path, body }) => {
    counter.attempts++;
    if (method !== 'POST' || path !== '/') return sesError(res, 404, 'UnknownOperationException', 'Unknown operation');
    // SigV4, verified as AWS does: the signature recomputed with the key's secret, this endpoint's host and the body received.
    const verdict = verifySigV4(req, body, new URL(server.url).host, credentials, options.region);
    if (!verdict.ok) return sesError(res, 403, verdict.code, verdict.message);
    const { accessKeyId, region } = verdict;
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return sesError(res, 400, 'InvalidParameterValue', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const form = Object.fromEntries(new URLSearchParams(body));
    if (form.Action !== 'SendEmail')
      return sesError(res, 400, 'InvalidAction', `The action ${form.Action ?? ''} is not valid for this web service.`);
    if (form.Version !== '2010-12-01') return sesError(res, 400, 'InvalidParameterValue', 'Version must be 2010-12-01');

    const to = members(form, 'Destination.ToAddresses');
    // Missing required members: our guess at SES's code and wording.
    if (!form.Source)
      return sesError(
        res,
        400,
        'ValidationError',
        "1 validation error detected: Value null at 'source' failed to satisfy constraint: Member must not be null",
      );
    if (
      to.length === 0 &&
      members(form, 'Destination.CcAddresses').length === 0 &&
      members(form, 'Destination.BccAddresses').length === 0
    ) {
      return sesError(res, 400, 'InvalidParameterValue', 'Missing final destination');
    }
    if (form['Message.Subject.Data'] === undefined)
      return sesError(
        res,
        400,
        'ValidationError',
        "1 validation error detected: Value null at 'message.subject' failed to satisfy constraint: Member must not be null",
      );
    if (form['Message.Body.Text.Data'] === undefined && form['Message.Body.Html.Data'] === undefined) {
      return sesError(res, 400, 'InvalidParameterValue', 'Message body must contain Text or Html');
    }
    const tags: Record<string, string> = {};
    for (let i = 1; form[`Tags.member.${i}.Name`] !== undefined; i++) {
      const name = form[`Tags.member.${i}.Name`]!;
      const value = form[`Tags.member.${i}.Value`] ?? '';
      if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name) || !/^[A-Za-z0-9_.-]{1,256}$/.test(value)) {
        return sesError(res, 400, 'InvalidParameterValue', `Invalid tag: ${name}=${value}`);
      }
      tags[name] = value;
    }
    const address = /<([^>]+)>\s*$/.exec(form.Source)?.[1] ?? form.Source;
    const domain = address.split('@')[1] ?? '';
    if (
      options.verifiedIdentities &&
      !options.verifiedIdentities.includes(address) &&
      !options.verifiedIdentities.includes(domain)
    ) {
      return sesError(
        res,
        400,
        'MessageRejected',
        `Email address is not verified. The following identities failed the check in region ${region!.toUpperCase()}: ${address}`,
      );
    }
    const configurationSet = form.ConfigurationSetName;
    if (
      configurationSet !== undefined &&
      options.configurationSets &&
      !options.configurationSets.includes(configurationSet)
    ) {
      return sesError(
        res,
        400,
        'ConfigurationSetDoesNotExist',
        `Configuration set <${configurationSet}> does not exist.`,
      );
    }
    // Faults strike only requests SES would have taken; a late one is taken, and answered after the hang.
    const fault = plan.next();
    if (fault && fault.kind !== 'late') return injectFault(res, fault);

    const messageId = `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`;
    received.push({
      messageId,
      accessKeyId,
      region,
      source: form.Source,
      to,
      subject: form['Message.Subject.Data'],
      text: form['Message.Body.Text.Data'],
      html: form['Message.Body.Html.Data'],
      tags,
      configurationSet,
      form,
    });
    const answer = () =>
      send(
        res,
        200,
        { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() },
        `<SendEmailResponse xmlns="${XMLNS}">\n  <SendEmailResult>\n    <MessageId>${messageId}</MessageId>\n  </SendEmailResult>\n  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</SendEmailResponse>\n`,
      );
    if (fault?.kind === 'late') setTimeout(() => !res.writableEnded && !res.destroyed && answer(), hangMs).unref();
    else answer();
    fake.onAccepted?.(received.at(-1)!);
  });

  const fake: SesFake = withControls<Omit<SesFake, keyof FaultControls>>(
    {
      url: server.url,
      credentials,
      received,
    },
    plan,
    server,
    counter,
    [received],
  );
  return fake;
}
