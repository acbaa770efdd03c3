import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { serveParent, sleep } from './lib/util.js';

// Many graphql-ws subscribers in one process of their own (so their event loop is not the
// orchestrator's). Each records, for every deliveryStatusChanged it receives, the time from the
// status change (Delivery.updatedAt, set by the dispatcher when it made the change) to arrival,
// and which delivery it was, so the orchestrator can check its tenant in the database.

interface Sub {
  tenant: string;
  token: string;
}

const QUERY = 'subscription { deliveryStatusChanged { id eventId status updatedAt } }';
let clients: Client[] = [];
let latencies: number[] = [];
/** [subscriber tenant id, delivery id] for every payload received. */
let seen: [string, string][] = [];
let errors: string[] = [];
let recording = false;

serveParent({
  async start(m: { url: string; subs: Sub[] }) {
    let connected = 0;
    const allConnected = new Promise<void>((resolve) => {
      const target = m.subs.length;
      for (const s of m.subs) {
        const client = createClient({
          url: m.url,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${s.token}` },
          retryAttempts: 0,
          lazy: false,
          keepAlive: 0,
          on: { connected: () => (++connected === target ? resolve() : undefined) },
        });
        clients.push(client);
        client.subscribe<{ deliveryStatusChanged: { id: string; eventId: string; status: string; updatedAt: string } }>(
          { query: QUERY },
          {
            next: (v) => {
              const at = Date.now();
              if (!recording) return;
              const d = v.data?.deliveryStatusChanged;
              if (!d) {
                errors.push(JSON.stringify(v.errors ?? v).slice(0, 300));
                return;
              }
              latencies.push(at - Date.parse(d.updatedAt));
              seen.push([s.tenant, d.id]);
            },
            error: (e) => void errors.push(String((e as Error)?.message ?? JSON.stringify(e)).slice(0, 300)),
            complete: () => {},
          },
        );
      }
    });
    const connectMs = Number(process.env.BENCH_SUBSCRIBER_CONNECT_SECONDS ?? 60) * 1000;
    const deadline = Date.now() + connectMs;
    await Promise.race([allConnected, sleep(connectMs)]);
    if (connected < m.subs.length)
      throw new Error(
        `only ${connected}/${m.subs.length} subscribers connected by ${new Date(deadline).toISOString()}`,
      );
    // Subscribe messages follow the connection ack; give the server a moment to register them all.
    await sleep(1500);
    recording = true;
    return { connected };
  },
  async finish() {
    recording = false;
    const out = { latencies, seen, errors: errors.slice(0, 20), errorCount: errors.length };
    await Promise.all(clients.map((c) => c.dispose()));
    clients = [];
    latencies = [];
    seen = [];
    errors = [];
    return out;
  },
  stop: () => {
    setTimeout(() => process.exit(0), 10);
  },
});

process.send?.({ type: 'ready' });
