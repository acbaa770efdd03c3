// Kabar live dashboard: plain ES modules, no build step. Reads over GraphQL (HTTP POST), follows
// changes over graphql-ws, writes every API value with textContent. The counts come from
// deliveryStats (the database), the list from the server's filter, both for one time window in
// the tenant's time zone.
import { exportCsv, resendBulk, resendOne, resetBulk } from './actions.js';
import { AuthError, Q, gql } from './api.js';
import { closeDetails, loadDetails, openDetails, wireDetails } from './details.js';
import { $, CHANNELS, STATUSES, clock, debounce, flash, formatMoney, h } from './dom.js';
import { connect, isCloseEvent, setConn } from './live.js';
import { clearRows, trim, upsert } from './rows.js';
import { renderStats, statsVariables } from './stats.js';
import { apiFilter as filterFor, clearFilters, filter, filtering, period, syncInputs } from './filters.js';
import { offsetLabel, todayIn } from './zone.js';

const TOKEN_KEY = 'kabar.dashboard.token';
const PAGE_SIZE = 50;
const MAX_ROWS = 1000;
/** A burst of live changes costs one stats query. */
const LIVE_REFRESH_MS = 400;

/** @type {any} */
let session = null;
const current = () => session;
const rowUi = { open: (id) => session && openDetails(session, id, detailsUi), resend: (id) => resendOne(actionUi, id) };
const detailsUi = {
  session: current,
  upsert: (row) => session && (upsert(session, row, rowUi, false), renderFooter()),
  fail: (err) => handleError(err),
};
const apiFilter = (s = session) => filterFor(s.clock.timeZone);
const actionUi = {
  session: current,
  apiFilter: () => apiFilter(),
  notify: (text) => notify(text),
  fail: (err) => handleError(err),
};

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
    s.refresh.cancel();
    clearRows(s);
  }
  sessionStorage.removeItem(TOKEN_KEY);
  closeDetails();
  showSignIn(message);
}

async function signIn(rawToken) {
  const token = rawToken.trim().replace(/^Bearer\s+/i, '');
  if (!token) return showSignIn('Paste a bearer token to sign in.');
  const submit = /** @type {HTMLButtonElement} */ ($('signin-submit'));
  submit.disabled = true;
  submit.textContent = 'Signing in…';
  try {
    const { viewer } = await gql(token, Q.VIEWER);
    if (!viewer.tenantId)
      return showSignIn(
        'Sign-in failed: this token does not belong to an organisation. Use a token issued for a tenant (for example a tenant admin or support token).',
      );
    const initial = await gql(token, Q.INITIAL);
    sessionStorage.setItem(TOKEN_KEY, token);
    start(token, viewer, initial);
  } catch (err) {
    if (err instanceof AuthError) {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn(
        'Sign-in failed: this token was not accepted. It may be mistyped, expired, or issued for another Kabar. Paste a fresh token and try again.',
      );
    } else showSignIn(`Sign-in failed: ${err.message}`);
  } finally {
    submit.disabled = false;
    submit.textContent = 'Sign in';
  }
}

function start(token, viewer, initial) {
  const { timezone, currency, name } = initial.tenant;
  const s = {
    token,
    client: null,
    deliveries: new Map(),
    rows: new Map(),
    endCursor: null,
    hasNextPage: false,
    totalCount: 0,
    openId: null,
    stopped: false,
    /** The newest reload asked for, whether one of those since then replaces the rows, the last stats. */
    seq: 0,
    fresh: false,
    stats: null,
    isAdmin: viewer.roles.includes('TENANT_ADMIN'),
    clock: clock(timezone),
    currency,
    refresh: debounce(() => liveRefresh(s), LIVE_REFRESH_MS),
  };
  session = s;
  /** @type {HTMLInputElement} */ ($('token')).value = '';
  $('signin-error').hidden = true;
  $('signin').hidden = true;
  $('board').hidden = false;
  $('session-bar').hidden = false;
  $('board-error').hidden = true;
  $('tenant-name').textContent = name ? `${name} · live deliveries` : 'Live deliveries';
  $('tz-label').textContent = `Times in ${timezone} (${offsetLabel(timezone)})`;
  $('th-time').textContent = `Updated (${timezone})`;
  for (const el of document.querySelectorAll('[data-admin-only]')) /** @type {HTMLElement} */ (el).hidden = !s.isAdmin;
  $('f-event').replaceChildren(
    h('option', { value: '' }, 'All event types'),
    ...initial.eventTypes.map((t) => h('option', { value: t }, t)),
  );
  syncInputs();
  setBalance(initial.creditBalance, false);
  reload(s);
  connect(s, current, {
    delivery: onDelivery,
    balance: (b) => setBalance(b, true),
    reconnected: () => reload(s, false),
    error: handleError,
    fatal: (e) => fatal(s, e),
  });
  $('main').focus();
}

// ---------------------------------------------------------------------------------------------
// Data

/** The first page of the list and the stats for the current filter; `fresh` replaces the rows. */
async function reload(s, fresh = true) {
  const seq = ++s.seq;
  // A live refresh overtaking a new filter's reload still replaces the rows.
  s.fresh ||= fresh;
  try {
    const [page, stats] = await Promise.all([
      gql(s.token, Q.PAGE, { first: PAGE_SIZE, filter: apiFilter(s) }),
      gql(s.token, Q.STATS, statsVariables(apiFilter(s))),
    ]);
    if (session !== s || seq !== s.seq) return; // a newer one answered, or will
    if (s.fresh) {
      clearRows(s);
      s.endCursor = null;
      s.fresh = false;
    }
    mergePage(s, page.deliveries, true);
    showStats(s, stats);
    if (s.openId) loadDetails(s, s.openId, detailsUi);
  } catch (err) {
    handleError(err);
  }
}

/** After live changes: the counts again, and the newest page (which brings in new matching rows). */
async function liveRefresh(s) {
  if (session !== s) return;
  await reload(s, false);
}

function mergePage(s, page, first) {
  for (const { node } of page.edges) upsert(s, node, rowUi, false);
  s.totalCount = page.totalCount;
  // A refresh of the newest page must not rewind a cursor that "load more" has moved on.
  if (!first || s.endCursor === null) {
    s.endCursor = page.pageInfo.endCursor;
    s.hasNextPage = page.pageInfo.hasNextPage;
  }
  renderFooter();
}

function showStats(s, stats) {
  s.stats = stats;
  renderStats(stats, { filter, setFilter, currency: s.currency });
}

async function loadMore() {
  const s = session;
  if (!s?.hasNextPage) return;
  const btn = /** @type {HTMLButtonElement} */ ($('load-more'));
  btn.disabled = true;
  try {
    const data = await gql(s.token, Q.PAGE, { first: PAGE_SIZE, after: s.endCursor, filter: apiFilter(s) });
    if (session === s) mergePage(s, data.deliveries, false);
  } catch (err) {
    handleError(err);
  } finally {
    btn.disabled = false;
  }
}

function setBalance(b, live) {
  const el = $('balance');
  if (!b) return void (el.textContent = '—');
  el.textContent = formatMoney(b.balance, b.currency);
  el.title = `Updated ${session?.clock.dateTime.format(new Date(b.updatedAt)) ?? b.updatedAt}`;
  el.dataset.amount = b.balance;
  if (live) flash(el);
}

function handleError(err) {
  if (err instanceof AuthError)
    return signOut('Your session has ended: the token is no longer accepted. Sign in again with a fresh token.');
  const banner = $('board-error');
  banner.textContent = err.message;
  banner.hidden = false;
}

function notify(text) {
  $('notice').textContent = text;
}

function fatal(s, e) {
  if (s.stopped || session !== s) return;
  if (isCloseEvent(e) && e.code === 4403)
    return signOut('Your session has ended: the token is no longer accepted. Sign in again with a fresh token.');
  setConn('offline', 'Disconnected');
  handleError(
    new Error(
      `Live updates stopped: ${isCloseEvent(e) ? e.reason || `closed (${e.code})` : (e?.message ?? 'connection error')}. Reload the page to reconnect.`,
    ),
  );
}

function onDelivery(d) {
  const s = session;
  if (!s || !d) return;
  // Rows shown change in place; a new one shows at once when nothing narrows the list, otherwise
  // with the refresh (the server decides what matches, booking references included).
  const { since, until } = apiFilter(s);
  const inPeriod = (!since || d.createdAt >= since) && (!until || d.createdAt <= until); // both ISO, in UTC
  if (s.deliveries.has(d.id) || (!filtering() && inPeriod)) {
    if (!s.deliveries.has(d.id)) s.totalCount++;
    upsert(s, d, rowUi, true);
    trim(s, MAX_ROWS);
    renderFooter();
  }
  if (s.openId === d.id) loadDetails(s, d.id, detailsUi);
  s.refresh();
}

// ---------------------------------------------------------------------------------------------
// Filters and rendering

function renderFooter() {
  const s = session;
  if (!s) return;
  const loaded = s.deliveries.size;
  $('shown').textContent = `${loaded} loaded · ${s.totalCount} match`;
  const empty = $('empty');
  empty.hidden = loaded > 0;
  empty.textContent =
    filtering() || period.kind !== 'all'
      ? 'No delivery matches the filter and period.'
      : 'No deliveries yet. New ones appear here as they happen.';
  $('load-more').hidden = !s.hasNextPage;
}

function setFilter(key, value) {
  filter[key] = value;
  applyFilters();
}

function applyFilters() {
  syncInputs();
  resetBulk();
  if (session) reload(session);
}

function setPeriod(kind) {
  period.kind = kind;
  if (kind === 'custom' && session && !period.from) {
    period.from = period.to = todayIn(session.clock.timeZone);
    /** @type {HTMLInputElement} */ ($('f-from')).value = period.from;
    /** @type {HTMLInputElement} */ ($('f-to')).value = period.to;
  }
  applyFilters();
}

// ---------------------------------------------------------------------------------------------
// Wiring

for (const [value, label] of CHANNELS) $('f-channel').append(h('option', { value }, label));
for (const [value, label] of STATUSES) $('f-status').append(h('option', { value }, label));
const search = debounce((v) => setFilter('search', v.trim()), 300);

$('signin-form').addEventListener('submit', (e) => {
  e.preventDefault();
  signIn(/** @type {HTMLInputElement} */ ($('token')).value);
});
$('sign-out').addEventListener('click', () => signOut());
$('load-more').addEventListener('click', loadMore);
$('resend-all').addEventListener('click', () => resendBulk(actionUi));
$('export').addEventListener('click', () => exportCsv(actionUi));
$('f-reason-chip').addEventListener('click', () => setFilter('reason', ''));
$('filters').addEventListener('input', (e) => {
  const t = /** @type {HTMLInputElement} */ (e.target);
  if (t.name === 'search') return search(t.value);
  if (t.name === 'period') return setPeriod(t.value);
  if (t.name === 'from' || t.name === 'to') {
    period[t.name] = t.value;
    return setPeriod('custom');
  }
  setFilter(t.name, t.value);
});
$('filters').addEventListener('submit', (e) => e.preventDefault());
$('filters').addEventListener('reset', (e) => {
  e.preventDefault();
  search.cancel();
  clearFilters();
  applyFilters();
});
wireDetails(detailsUi);

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signIn(saved);
else showSignIn();
