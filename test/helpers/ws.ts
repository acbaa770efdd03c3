import WebSocket from 'ws';

// The graphql-ws protocol (graphql-transport-ws) spoken by hand, so tests can send exactly the
// connection_init they want and see exactly how the server answers: ack, or which close code.

export type InitOutcome = { acked: true; socket: GqlSocket } | { acked: false; code: number; reason: string };

export interface GqlSocket {
  /** Every message the server sent after the ack, in order. */
  messages: { id?: string; type: string; payload?: any }[];
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  /** Messages of one subscription ('next' payloads and 'error' payloads). */
  of(id: string): { type: string; payload?: any }[];
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export const wsUrlOf = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

/** Opens a socket, sends connection_init with `payload` (omitted when undefined) and waits for ack or close. */
export async function wsInit(url: string, payload?: unknown, timeoutMs = 5000): Promise<InitOutcome> {
  const ws = new WebSocket(wsUrlOf(url), 'graphql-transport-ws');
  const messages: GqlSocket['messages'] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let acked: (v: boolean) => void;
  const ack = new Promise<boolean>((r) => (acked = r));
  ws.on('message', (raw) => {
    const msg = JSON.parse(raw.toString('utf8'));
    if (msg.type === 'connection_ack') return acked(true);
    if (msg.type === 'ping') return ws.send(JSON.stringify({ type: 'pong' }));
    messages.push(msg);
  });
  void closed.then(() => acked(false));
  ws.send(JSON.stringify(payload === undefined ? { type: 'connection_init' } : { type: 'connection_init', payload }));
  const timer = setTimeout(() => acked(false), timeoutMs);
  const ok = await ack;
  clearTimeout(timer);
  if (!ok) {
    if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    const c = await Promise.race([
      closed,
      new Promise<{ code: number; reason: string }>((r) =>
        setTimeout(() => r({ code: -1, reason: 'no answer' }), 1000),
      ),
    ]);
    return { acked: false, ...c };
  }
  const socket: GqlSocket = {
    messages,
    subscribe: (id, query, variables) =>
      ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, ...(variables ? { variables } : {}) } })),
    of: (id) => messages.filter((m) => m.id === id),
    closed,
    async close() {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    },
  };
  return { acked: true, socket };
}

/** connection_init with `Authorization: Bearer <token>` the way Kabar's clients send it. */
export const wsInitWithToken = (url: string, token: string) => wsInit(url, { authorization: `Bearer ${token}` });
