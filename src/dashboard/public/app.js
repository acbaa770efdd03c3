// Kabar live dashboard: plain ES module, no build step. Reads over GraphQL (HTTP POST), follows
// changes over graphql-ws (graphql-transport-ws), writes every API value with textContent.
import { createClient } from './vendor/graphql-ws/client.js';

const GRAPHQL_URL = new URL(document.querySelector('meta[name="kabar-graphql"]')?.getAttribute('content') || '/graphql', location.href);
const WS_URL = new URL(GRAPHQL_URL);
WS_URL.protocol = GRAPHQL_URL.protocol === 'https:' ? 'wss:' : 'ws:';
const TOKEN_KEY = 'kabar.dashboard.token';
const PAGE_SIZE = 50;
const MAX_ROWS = 1000;

const STATUSES = [
  ['QUEUED', 'Queued'],
  ['SENT', 'Sent'],
  ['DELIVERED', 'Delivered'],
  ['READ', 'Read'],
  ['FAILED', 'Failed'],
  ['SKIPPED', 'Skipped'],
];
const CHANNELS = [
  ['WHATSAPP', 'WhatsApp'],
  ['EMAIL', 'Email'],
  ['SMS', 'SMS'],
  ['PUSH', 'Push'],
];
const STATUS_LABEL = Object.fromEntries(STATUSES);
const CHANNEL_LABEL = Object.fromEntries(CHANNELS);
const LANGUAGE_LABEL = { ID: 'Indonesian', EN: 'English', FR: 'French' };

const FIELDS = 'id eventId eventType channel recipient recipientKind language status reason providerMessageId cost createdAt updatedAt';
const INITIAL = `query DashboardInitial($first: Int) {
  tenant { name }
  creditBalance { currency balance updatedAt }
  deliveries(first: $first) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${FIELDS} } } }
}`;
const MORE = `query DashboardMore($first: Int, $after: String) {
  deliveries(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${FIELDS} } } }
}`;
const DETAILS = `query DashboardDelivery($id: ID!) { delivery(id: $id) { ${FIELDS} renderedBody history { status at reason } } }`;
const ON_DELIVERY = `subscription DashboardDeliveries { deliveryStatusChanged { ${FIELDS} } }`;
const ON_BALANCE = `subscription DashboardBalance { creditBalanceChanged { currency balance updatedAt } }`;

// ---------------------------------------------------------------------------------------------
// DOM helpers

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Creates an element; children are nodes or strings (always text, never parsed as HTML). */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const sameDay = (a, b) => a.toDateString() === b.toDateString();

function timeEl(iso, full = false) {
  const d = new Date(iso);
  const text = full || !sameDay(d, new Date()) ? dateTime.format(d) : timeOnly.format(d);
  return h('time', { datetime: iso, title: dateTime.format(d) }, text);
}

function formatMoney(amount, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: 2 }).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}

const statusBadge = (status) => h('span', { class: 'status', 'data-status': status }, h('span', { class: 'status-dot', 'aria-hidden': 'true' }), STATUS_LABEL[status] ?? status);
const channelBadge = (channel) => h('span', { class: 'channel', 'data-channel': channel }, CHANNEL_LABEL[channel] ?? channel);

// ---------------------------------------------------------------------------------------------
// GraphQL over HTTP

class AuthError extends Error {}

async function gql(token, query, variables = {}) {
  let res;
  try {
    res = await fetch(GRAPHQL_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new Error('Kabar cannot be reached. Check your connection and try again.');
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new Error(`Kabar answered HTTP ${res.status} without a GraphQL response.`);
  }
  const errors = body.errors ?? [];
  if (errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) throw new AuthError(errors[0].message);
  if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
  return body.data;
}

// ---------------------------------------------------------------------------------------------
// State

/** @type {{ token: string, client: any, deliveries: Map<string, any>, rows: Map<string, HTMLTableRowElement>, endCursor: string|null, hasNextPage: boolean, totalCount: number, openId: string|null, stopped: boolean } | null} */
let session = null;
const filter = { channel: '', status: '', eventType: '' };

function matches(d, ignore) {
  if (ignore !== 'channel' && filter.channel && d.channel !== filter.channel) return false;
  if (ignore !== 'status' && filter.status && d.status !== filter.status) return false;
  if (filter.eventType && !d.eventType.toLowerCase().includes(filter.eventType.toLowerCase())) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Sign in / out

function showSignIn(message) {
  session = null;
  $('board').hidden = true;
  $('session-bar').hidden = true;
  $('signin').hidden = false;
  $('tenant-name').textContent = 'Live deliveries';
  const err = $('signin-error');
  err.hidden = !message;
  err.textContent = message ?? '';
  const input = /** @type {HTMLInputElement} */ ($('token'));
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
  input.focus();
}

function signOut(message) {
  const s = session;
  session = null;
  if (s) {
    s.stopped = true;
    s.client?.dispose();
  }
  sessionStorage.removeItem(TOKEN_KEY);
  closeDetails();
  $('rows').replaceChildren();
  showSignIn(message);
}

async function signIn(rawToken) {
  const token = rawToken.trim().replace(/^Bearer\s+/i, '');
  if (!token) return showSignIn('Paste a bearer token to sign in.');
  const submit = /** @type {HTMLButtonElement} */ ($('signin-submit'));
  submit.disabled = true;
  submit.textContent = 'Signing in…';
  try {
    const { viewer } = await gql(token, 'query DashboardViewer { viewer { subject tenantId roles } }');
    if (!viewer.tenantId) return showSignIn('Sign-in failed: this token does not belong to an organisation. Use a token issued for a tenant (for example a tenant admin or support token).');
    const initial = await gql(token, INITIAL, { first: PAGE_SIZE });
    sessionStorage.setItem(TOKEN_KEY, token);
    start(token, initial);
  } catch (err) {
    if (err instanceof AuthError) {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn('Sign-in failed: this token was not accepted. It may be mistyped, expired, or issued for another Kabar. Paste a fresh token and try again.');
    } else showSignIn(`Sign-in failed: ${err.message}`);
  } finally {
    submit.disabled = false;
    submit.textContent = 'Sign in';
  }
}

function start(token, initial) {
  session = { token, client: null, deliveries: new Map(), rows: new Map(), endCursor: null, hasNextPage: false, totalCount: 0, openId: null, stopped: false };
  ($('token')).value = '';
  $('signin-error').hidden = true;
  $('signin').hidden = true;
  $('board').hidden = false;
  $('session-bar').hidden = false;
  $('board-error').hidden = true;
  $('rows').replaceChildren();
  $('tenant-name').textContent = initial.tenant?.name ? `${initial.tenant.name} · live deliveries` : 'Live deliveries';
  setBalance(initial.creditBalance, false);
  mergePage(initial.deliveries, true);
  render();
  connect(session);
  $('main').focus();
}

// ---------------------------------------------------------------------------------------------
// Data

function mergePage(page, first) {
  const s = session;
  if (!s) return;
  for (const { node } of page.edges) upsert(node, false);
  s.totalCount = Math.max(page.totalCount, s.deliveries.size);
  // A refresh of the newest page must not rewind a cursor that "load more" has moved on.
  if (!first || s.endCursor === null) {
    s.endCursor = page.pageInfo.endCursor;
    s.hasNextPage = page.pageInfo.hasNextPage;
  }
}

/** Adds or updates a delivery; returns true when it is new or its status changed. */
function upsert(d, live) {
  const s = session;
  if (!s) return false;
  const before = s.deliveries.get(d.id);
  if (before && before.updatedAt > d.updatedAt) return false; // an older state arriving late
  s.deliveries.set(d.id, d);
  if (!before && live) s.totalCount++;
  const changed = !before || before.status !== d.status;
  renderRow(d, live && changed);
  return changed;
}

function setBalance(b, live) {
  const el = $('balance');
  if (!b) {
    el.textContent = '—';
    return;
  }
  el.textContent = formatMoney(b.balance, b.currency);
  el.title = `Updated ${dateTime.format(new Date(b.updatedAt))}`;
  el.dataset.amount = b.balance;
  if (live) flash(el);
}

function flash(el) {
  el.classList.remove('flash');
  void el.offsetWidth; // restart the animation
  el.classList.add('flash');
  // Removed at the end, or un-hiding a filtered row would replay it.
  el.addEventListener('animationend', () => el.classList.remove('flash'), { once: true });
}

async function loadMore() {
  const s = session;
  if (!s || !s.hasNextPage) return;
  const btn = /** @type {HTMLButtonElement} */ ($('load-more'));
  btn.disabled = true;
  try {
    const data = await gql(s.token, MORE, { first: PAGE_SIZE, after: s.endCursor });
    if (session !== s) return;
    mergePage(data.deliveries, false);
    render();
  } catch (err) {
    handleError(err);
  } finally {
    btn.disabled = false;
  }
}

/** After a reconnect: re-read the newest page, to catch changes made while the socket was down. */
async function refresh(s) {
  try {
    const data = await gql(s.token, INITIAL, { first: PAGE_SIZE });
    if (session !== s) return;
    setBalance(data.creditBalance, false);
    mergePage(data.deliveries, true);
    render();
    if (s.openId) loadDetails(s.openId);
  } catch (err) {
    handleError(err);
  }
}

function handleError(err) {
  if (err instanceof AuthError) return signOut('Your session has ended: the token is no longer accepted. Sign in again with a fresh token.');
  const banner = $('board-error');
  banner.textContent = err.message;
  banner.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Live updates (graphql-ws)

function setConn(state, text) {
  const el = $('conn');
  el.dataset.state = state;
  $('conn-text').textContent = text;
}

const isCloseEvent = (e) => typeof e === 'object' && e !== null && 'code' in e && 'reason' in e;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function connect(s) {
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
    onNonLazyError: (e) => fatal(s, e),
    on: {
      connecting: (isRetry) => !s.stopped && setConn(isRetry ? 'reconnecting' : 'connecting', isRetry ? 'Reconnecting…' : 'Connecting…'),
      connected: (_socket, _payload, wasRetry) => {
        if (s.stopped) return;
        setConn('live', 'Live');
        if (wasRetry) refresh(s);
      },
      closed: () => !s.stopped && setConn('reconnecting', 'Connection lost, reconnecting…'),
    },
  });
  s.client = client;
  const sink = (onData) => ({
    next: (msg) => {
      if (session !== s) return;
      if (msg.errors?.length) return handleError(new Error(msg.errors.map((e) => e.message).join('; ')));
      if (msg.data) onData(msg.data);
    },
    error: (e) => fatal(s, e),
    complete: () => {},
  });
  client.subscribe({ query: ON_DELIVERY }, sink((data) => onDelivery(data.deliveryStatusChanged)));
  client.subscribe({ query: ON_BALANCE }, sink((data) => setBalance(data.creditBalanceChanged, true)));
}

function fatal(s, e) {
  if (s.stopped || session !== s) return;
  if (isCloseEvent(e) && e.code === 4403) return signOut('Your session has ended: the token is no longer accepted. Sign in again with a fresh token.');
  setConn('offline', 'Disconnected');
  handleError(new Error(`Live updates stopped: ${isCloseEvent(e) ? e.reason || `closed (${e.code})` : e?.message ?? 'connection error'}. Reload the page to reconnect.`));
}

function onDelivery(d) {
  const s = session;
  if (!s || !d) return;
  upsert(d, true);
  trim(s);
  render();
  if (s.openId === d.id) loadDetails(d.id);
}

/** Keeps memory bounded on a busy tenant: the oldest rows go first. */
function trim(s) {
  if (s.deliveries.size <= MAX_ROWS) return;
  const oldest = [...s.deliveries.values()].sort(byNewest).slice(MAX_ROWS);
  for (const d of oldest) {
    s.deliveries.delete(d.id);
    s.rows.get(d.id)?.remove();
    s.rows.delete(d.id);
  }
  s.hasNextPage = true;
}

// ---------------------------------------------------------------------------------------------
// Rendering

const byNewest = (a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1);

/** Creates or updates one row in place (focus and scroll position survive live updates). */
function renderRow(d, highlight) {
  const s = session;
  if (!s) return;
  let tr = s.rows.get(d.id);
  const cells = [
    h('td', { class: 'c-time' }, timeEl(d.updatedAt)),
    h('td', { class: 'c-event' }, h('button', { type: 'button', class: 'link', 'aria-haspopup': 'dialog', title: 'Show history' }, d.eventType), h('span', { class: 'sub' }, d.recipientKind === 'staff' ? 'to staff' : 'to patient')),
    h('td', { class: 'c-channel' }, channelBadge(d.channel)),
    h('td', { class: 'c-recipient' }, h('span', { class: 'recipient' }, d.recipient)),
    h('td', { class: 'c-status' }, statusBadge(d.status), d.reason ? h('span', { class: 'sub reason' }, d.reason) : null),
  ];
  if (!tr) {
    tr = /** @type {HTMLTableRowElement} */ (h('tr', { dataset: { deliveryId: d.id } }));
    tr.addEventListener('click', () => openDetails(d.id));
    s.rows.set(d.id, tr);
    insertRow(s, tr, d);
  } else {
    const focused = tr.contains(document.activeElement);
    tr.replaceChildren();
    if (focused) queueMicrotask(() => tr.querySelector('button')?.focus());
  }
  tr.append(...cells);
  tr.dataset.status = d.status;
  if (highlight) flash(tr);
}

function insertRow(s, tr, d) {
  const body = $('rows');
  // Rows are newest first; a live delivery usually belongs at the top.
  for (const other of body.children) {
    const o = s.deliveries.get(/** @type {HTMLElement} */ (other).dataset.deliveryId);
    if (o && byNewest(d, o) < 0) return body.insertBefore(tr, other);
  }
  body.append(tr);
}

function render() {
  const s = session;
  if (!s) return;
  const all = [...s.deliveries.values()];
  let shown = 0;
  for (const d of all) {
    const visible = matches(d);
    s.rows.get(d.id).hidden = !visible;
    if (visible) shown++;
  }
  renderTiles($('by-status'), STATUSES, 'status', all.filter((d) => matches(d, 'status')));
  renderTiles($('by-channel'), CHANNELS, 'channel', all.filter((d) => matches(d, 'channel')));
  const filtered = filter.channel || filter.status || filter.eventType;
  $('shown').textContent = filtered
    ? `${shown} of ${all.length} loaded match the filter · ${s.totalCount} in total`
    : `${all.length} loaded · ${s.totalCount} in total`;
  const empty = $('empty');
  empty.hidden = shown > 0;
  empty.textContent = all.length ? 'No delivery matches the filter.' : 'No deliveries yet. New ones appear here as they happen.';
  $('load-more').hidden = !s.hasNextPage;
}

/** One tile per value, counting the deliveries that pass the other filters; a tile toggles its filter. */
function renderTiles(list, values, key, items) {
  const counts = Object.fromEntries(values.map(([v]) => [v, 0]));
  for (const d of items) counts[d[key]] = (counts[d[key]] ?? 0) + 1;
  const tiles = values.map(([value, label]) =>
    h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'tile',
          'data-key': key,
          'data-value': value,
          'aria-pressed': filter[key] === value ? 'true' : 'false',
          title: filter[key] === value ? `Show every ${key}` : `Show only ${label}`,
          onclick: () => setFilter(key, filter[key] === value ? '' : value),
        },
        h('span', { class: 'tile-count' }, String(counts[value])),
        key === 'status'
          ? h('span', { class: 'tile-label', 'data-status': value }, h('span', { class: 'status-dot', 'aria-hidden': 'true' }), label)
          : h('span', { class: 'tile-label' }, label),
      ),
    ),
  );
  const focusedValue = list.contains(document.activeElement) ? /** @type {HTMLElement} */ (document.activeElement).dataset.value : null;
  list.replaceChildren(...tiles);
  if (focusedValue) /** @type {HTMLElement|null} */ (list.querySelector(`[data-value="${focusedValue}"]`))?.focus();
}

function setFilter(key, value) {
  filter[key] = value;
  const input = /** @type {HTMLInputElement|HTMLSelectElement} */ ($(`f-${key === 'eventType' ? 'event' : key}`));
  if (input.value !== value) input.value = value;
  render();
}

// ---------------------------------------------------------------------------------------------
// Details dialog

const dialog = /** @type {HTMLDialogElement} */ ($('details'));

function openDetails(id) {
  const s = session;
  if (!s) return;
  s.openId = id;
  const d = s.deliveries.get(id);
  $('details-title').textContent = d ? `${d.eventType} · ${CHANNEL_LABEL[d.channel] ?? d.channel}` : 'Delivery';
  $('details-facts').replaceChildren();
  $('details-history').replaceChildren(h('li', { class: 'muted' }, 'Loading…'));
  $('details-body').textContent = '';
  if (!dialog.open) dialog.showModal();
  loadDetails(id);
}

function closeDetails() {
  if (dialog.open) dialog.close();
}

async function loadDetails(id) {
  const s = session;
  if (!s) return;
  try {
    const { delivery: d } = await gql(s.token, DETAILS, { id });
    if (session !== s || s.openId !== id) return;
    if (!d) {
      $('details-history').replaceChildren(h('li', { class: 'muted' }, 'This delivery no longer exists.'));
      return;
    }
    const { history: _h, renderedBody: _b, ...row } = d;
    upsert(row, false);
    render();
    const fact = (term, ...value) => [h('dt', {}, term), h('dd', {}, ...value)];
    $('details-title').textContent = `${d.eventType} · ${CHANNEL_LABEL[d.channel] ?? d.channel}`;
    $('details-facts').replaceChildren(
      ...fact('Status', statusBadge(d.status), d.reason ? h('span', { class: 'reason' }, ` ${d.reason}`) : null),
      ...fact('Recipient', d.recipient),
      ...fact('Audience', `${d.recipientKind === 'staff' ? 'Staff' : 'Patient'}, in ${LANGUAGE_LABEL[d.language] ?? d.language}`),
      ...fact('Event id', h('code', {}, d.eventId)),
      ...fact('Delivery id', h('code', {}, d.id)),
      ...(d.providerMessageId ? fact('Provider message id', h('code', {}, d.providerMessageId)) : []),
      ...(d.cost ? fact('Cost', d.cost) : []),
      ...fact('Created', timeEl(d.createdAt, true)),
    );
    const history = [...d.history].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    $('details-history').replaceChildren(
      ...history.map((c) => h('li', { dataset: { status: c.status } }, statusBadge(c.status), ' ', timeEl(c.at, true), c.reason ? h('span', { class: 'sub reason' }, c.reason) : null)),
    );
    $('details-body').textContent = d.renderedBody;
  } catch (err) {
    if (err instanceof AuthError) return handleError(err);
    if (session === s && s.openId === id) $('details-history').replaceChildren(h('li', { class: 'form-error' }, `Could not load the history: ${err.message}`));
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

for (const [value, label] of CHANNELS) $('f-channel').append(h('option', { value }, label));
for (const [value, label] of STATUSES) $('f-status').append(h('option', { value }, label));

$('signin-form').addEventListener('submit', (e) => {
  e.preventDefault();
  signIn(/** @type {HTMLInputElement} */ ($('token')).value);
});
$('sign-out').addEventListener('click', () => signOut());
$('load-more').addEventListener('click', loadMore);
$('filters').addEventListener('input', (e) => {
  const t = /** @type {HTMLInputElement} */ (e.target);
  setFilter(t.name, t.value);
});
$('filters').addEventListener('submit', (e) => e.preventDefault());
$('filters').addEventListener('reset', () => {
  filter.channel = filter.status = filter.eventType = '';
  queueMicrotask(render);
});
$('details-close').addEventListener('click', closeDetails);
dialog.addEventListener('close', () => {
  const s = session;
  const id = s?.openId;
  if (s) s.openId = null;
  if (id) /** @type {HTMLElement|undefined} */ (s.rows.get(id)?.querySelector('button'))?.focus();
});
// A click on the backdrop (outside the panel) closes it.
dialog.addEventListener('click', (e) => {
  if (e.target === dialog) {
    const r = dialog.getBoundingClientRect();
    if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) closeDetails();
  }
});

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signIn(saved);
else showSignIn();
