import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannels } from '../../src/channels/index.js';
import { eventually, startKabar, type TestKabar } from '../helpers/app.js';
import { sampleData, sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';
const LIMIT = 2;
const EVENTS = 8;
const SLOW_MS = 300;

/**
 * KABAR_MAX_IN_FLIGHT bounds the events handled at once (embedded mode: the in-process queue).
 * Each event's push goes through a slow pass-through in front of the FCM fake, which counts
 * the calls open at the same moment: never more than the limit, and the limit is reached.
 */
describe('in-flight limit', () => {
  let p: Providers;
  let k: TestKabar;
  let slow: Server;
  let open = 0;
  let maxOpen = 0;
  let calls = 0;

  beforeAll(async () => {
    p = await startProviders(5000);
    slow = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        open++;
        calls++;
        maxOpen = Math.max(maxOpen, open);
        await new Promise((r) => setTimeout(r, SLOW_MS));
        const headers = {
          authorization: String(req.headers.authorization ?? ''),
          'content-type': String(req.headers['content-type'] ?? 'application/json'),
        };
        const answer = await fetch(`${p.fcm.url}${req.url}`, {
          method: req.method,
          headers,
          body: Buffer.concat(chunks),
        });
        open--;
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      });
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const { env, ses, sms, fcm } = p;
    const channels = createChannels({
      whatsapp: { baseUrl: p.whatsapp.url, timeoutMs: 5000 },
      email: {
        region: env.AWS_REGION!,
        endpoint: ses.url,
        from: 'no-reply@klinik.example',
        timeoutMs: 5000,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      },
      sms: {
        baseUrl: sms.url,
        accountSid: sms.accountSid,
        authToken: sms.authToken,
        from: env.SMS_FROM!,
        timeoutMs: 5000,
      },
      push: {
        baseUrl: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
        projectId: fcm.projectId,
        accessToken: env.FCM_ACCESS_TOKEN!,
        timeoutMs: 5000,
      },
    });
    k = await startKabar({ channels, env: { ...env, KABAR_MAX_IN_FLIGHT: String(LIMIT) } });
  });
  afterAll(async () => {
    await k.stop();
    await new Promise((r) => slow.close(r));
    await p.close();
  });

  it(`at most KABAR_MAX_IN_FLIGHT=${LIMIT} events are handled at once, and that many are`, async () => {
    const t = await k.newTenant();
    // Each event about a patient of its own: nothing orders them, only the limit holds them back.
    const ids = await Promise.all(
      Array.from({ length: EVENTS }, async (_, i) => {
        const input = {
          ...sampleEvent('walkin.token_called'),
          data: sampleData('walkin.token_called', { pushTokens: [`device-${i}`] }),
        };
        expect((await k.gql(t.service, PUBLISH, { input })).errors).toBeUndefined();
        return input.id;
      }),
    );
    await eventually(
      async () => {
        const res = await k.gql(
          t.admin,
          'query { deliveries(first: 50, filter: { channel: PUSH, status: SENT }) { totalCount } }',
        );
        expect(res.data.deliveries.totalCount).toBe(EVENTS);
      },
      20_000,
      100,
    );
    expect(ids).toHaveLength(EVENTS);
    expect({ calls, maxOpen, open }).toEqual({ calls: EVENTS, maxOpen: LIMIT, open: 0 });
    expect(p.fcm.received.map((m) => m.token).sort()).toEqual(
      Array.from({ length: EVENTS }, (_, i) => `device-${i}`).sort(),
    );
  });
});
