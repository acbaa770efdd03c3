// Live updates over graphql-ws (graphql-transport-ws), reconnecting with backoff.
import { createClient } from './vendor/graphql-ws/client.js';
import { Q, WS_URL } from './api.js';
import { $ } from './dom.js';

export const isCloseEvent = (e) => typeof e === 'object' && e !== null && 'code' in e && 'reason' in e;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function setConn(state, text) {
  $('conn').dataset.state = state;
  $('conn-text').textContent = text;
}

/**
 * Opens the socket of a session. on: { delivery(d), balance(b), reconnected(), error(err), fatal(e) };
 * each is called only while the session is the current one (`current()`).
 */
export function connect(s, current, on) {
  setConn('connecting', 'Connecting…');
  const client = createClient({
    url: WS_URL.href,
    connectionParams: { authorization: `Bearer ${s.token}` },
    lazy: false,
    keepAlive: 15_000,
    retryAttempts: Number.MAX_SAFE_INTEGER,
    // Kabar closes with 4403 when the token is refused: retrying cannot help, anything else may.
    shouldRetry: (e) => !(isCloseEvent(e) && e.code === 4403),
    retryWait: async (retries) => {
      const ms = Math.min(30_000, 1000 * 2 ** retries) * (0.75 + Math.random() * 0.5);
      if (!s.stopped) setConn('reconnecting', `Reconnecting in ${Math.max(1, Math.round(ms / 1000))} s…`);
      await sleep(ms);
    },
    onNonLazyError: (e) => on.fatal(e),
    on: {
      connecting: (isRetry) =>
        !s.stopped && setConn(isRetry ? 'reconnecting' : 'connecting', isRetry ? 'Reconnecting…' : 'Connecting…'),
      connected: (_socket, _payload, wasRetry) => {
        if (s.stopped) return;
        setConn('live', 'Live');
        if (wasRetry) on.reconnected();
      },
      closed: () => !s.stopped && setConn('reconnecting', 'Connection lost, reconnecting…'),
    },
  });
  s.client = client;
  const sink = (onData) => ({
    next: (msg) => {
      if (current() !== s) return;
      if (msg.errors?.length) return on.error(new Error(msg.errors.map((e) => e.message).join('; ')));
      if (msg.data) onData(msg.data);
    },
    error: (e) => on.fatal(e),
    complete: () => {},
  });
  client.subscribe(
    { query: Q.ON_DELIVERY },
    sink((data) => on.delivery(data.deliveryStatusChanged)),
  );
  client.subscribe(
    { query: Q.ON_BALANCE },
    sink((data) => on.balance(data.creditBalanceChanged)),
  );
}
