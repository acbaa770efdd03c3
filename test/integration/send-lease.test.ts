import { afterAll, beforeAll, expect, it } from 'vitest';
import { enableWhatsApp, eventually, setTestPrices, startKabar, type TestKabar } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';

// A message on a receipt channel is recorded already claimed for its first attempt, so a unit
// needs no claim transaction. The claim is a lease: once it runs out the retry sweep takes the
// message over (the process presumably died) and sends it again. A message that waited long for
// a call slot must therefore renew its claim before calling, or it would reach the provider twice.
const LEASE_MS = 4000;
const CALL_MS = 1500;

let k: TestKabar;
let p: Providers;

beforeAll(async () => {
  // Calls answer after CALL_MS ("late" faults), inside the adapters' 1.9 s timeout (under half the lease, as the configuration requires).
  p = await startProviders(1900, CALL_MS);
  // Four call slots of one call each: nine messages go out in three waves, 0, 1.5 and 3 s after they were claimed.
  k = await startKabar({
    channels: p.channels,
    env: {
      ...p.env,
      KABAR_SEND_LEASE_MS: String(LEASE_MS),
      PROVIDER_TIMEOUT_MS: '1900',
      KABAR_PROVIDER_CONCURRENCY: '4',
    },
  });
  await setTestPrices(k);
});
afterAll(async () => {
  await k?.stop();
  await p?.close();
});

it('a message that waited past half its send lease for a call slot renews its claim, and reaches the provider once', async () => {
  const t = await k.newTenant();
  await enableWhatsApp(k, t, { token: 'd360-key-0123456789', credit: '100000', provider: p.whatsapp });
  // The webhook registration goes through the fake too: only then are the slow answers queued.
  await eventually(() =>
    expect(p.whatsapp.webhooks.some((w) => w.url.endsWith(`/webhooks/whatsapp/${t.id}`))).toBe(true),
  );
  p.whatsapp.fail(9, 'late');

  const events = Array.from({ length: 9 }, () => sampleEvent('appointment.no_show'));
  const published = await Promise.all(
    events.map((input) =>
      k.gql(t.service, 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }', { input }),
    ),
  );
  expect(published.map((r) => r.errors)).toEqual(events.map(() => undefined));

  const rows = await eventually(async () => {
    const res = await k.gql(
      t.admin,
      'query { deliveries(first: 20, filter: { channel: WHATSAPP, eventType: "appointment.no_show" }) { edges { node { eventType recipient status reason providerMessageId history { status } } } } }',
    );
    const nodes = res.data.deliveries.edges.map((e: any) => e.node);
    expect(nodes, JSON.stringify(nodes.map((n: any) => [n.eventType, n.recipient, n.status]))).toHaveLength(9);
    expect(nodes.filter((n: any) => n.status === 'SENT')).toHaveLength(9);
    return nodes;
  }, 20_000);
  // The third wave was called 3 s after its claim: past the renewal point (2 s), and without the
  // renewal the sweep would have taken it over at 4 s, mid-call, and sent it again.
  await new Promise((r) => setTimeout(r, LEASE_MS));
  expect(p.whatsapp.received).toHaveLength(9);
  expect(new Set(p.whatsapp.received.map((m) => m.messageId))).toEqual(
    new Set(rows.map((r: any) => r.providerMessageId)),
  );
  expect(rows.map((r: any) => r.history.map((h: any) => h.status).join(','))).toEqual(rows.map(() => 'QUEUED,SENT'));
}, 60_000);
