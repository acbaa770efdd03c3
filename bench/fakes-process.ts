import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveParent } from './lib/util.js';

// Minimal, fast fake providers for the benchmark, in a process of their own. Each answers at
// once (or after BENCH_PROVIDER_DELAY_MS) in the provider's real wire format, so Kabar's real
// adapters (src/channels) accept the answer, and timestamps every receipt with the message id
// it hands back. Correlation with produce time goes through deliveries.provider_message_id.

const delayMs = Number(process.env.BENCH_PROVIDER_DELAY_MS ?? 0);
let ids: string[] = [];
let times: number[] = [];
const counts = { WHATSAPP: 0, EMAIL: 0, SMS: 0, PUSH: 0, other: 0 };
let n = 0;

function record(kind: keyof typeof counts, id: string, t: number) {
  ids.push(id);
  times.push(t);
  counts[kind]++;
}

function reply(res: ServerResponse, status: number, type: string, body: string) {
  const go = () => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (delayMs > 0) setTimeout(go, delayMs);
  else go();
}

type Handler = (req: IncomingMessage, res: ServerResponse, t: number) => void;

async function listen(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const t = Date.now();
    req.on('data', () => {});
    req.on('end', () => handler(req, res, t));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const whatsapp = await listen((req, res, t) => {
  if (req.url === '/v1/configs/webhook') return reply(res, 200, 'application/json', '{"url":"ok"}');
  if (req.url !== '/messages') return reply(res, 404, 'application/json', '{"error":"Not Found"}');
  const id = `wamid.B${++n}`;
  record('WHATSAPP', id, t);
  reply(
    res,
    200,
    'application/json',
    `{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"${id}"}]}`,
  );
});

const ses = await listen((_req, res, t) => {
  const id = `ses-B${++n}`;
  record('EMAIL', id, t);
  reply(
    res,
    200,
    'text/xml',
    `<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendEmailResult><MessageId>${id}</MessageId></SendEmailResult><ResponseMetadata><RequestId>r${n}</RequestId></ResponseMetadata></SendEmailResponse>`,
  );
});

const sms = await listen((_req, res, t) => {
  const id = `SMB${++n}`;
  record('SMS', id, t);
  reply(res, 201, 'application/json', `{"sid":"${id}","status":"queued","to":"x","from":"x","error_code":null}`);
});

const fcm = await listen((_req, res, t) => {
  const id = `projects/bench/messages/B${++n}`;
  record('PUSH', id, t);
  reply(res, 200, 'application/json', `{"name":"${id}"}`);
});

serveParent({
  count: () => ({ total: ids.length, counts, lastAt: times.length ? times[times.length - 1] : 0 }),
  /** All receipts since the last reset, as parallel arrays. */
  dump: () => ({ ids, times }),
  reset: () => {
    ids = [];
    times = [];
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] = 0;
  },
  stop: () => {
    setTimeout(() => process.exit(0), 10);
  },
});

process.send?.({ type: 'ready', urls: { whatsapp: whatsapp.url, ses: ses.url, sms: sms.url, fcm: fcm.url } });
