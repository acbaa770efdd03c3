// DOM helpers, labels and formatting. Every API value is written as text, never parsed as HTML.

export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

export const STATUSES = [
  ['QUEUED', 'Queued'],
  ['SENT', 'Sent'],
  ['DELIVERED', 'Delivered'],
  ['READ', 'Read'],
  ['FAILED', 'Failed'],
  ['SKIPPED', 'Skipped'],
];
export const CHANNELS = [
  ['WHATSAPP', 'WhatsApp'],
  ['EMAIL', 'Email'],
  ['SMS', 'SMS'],
  ['PUSH', 'Push'],
];
export const STATUS_LABEL = Object.fromEntries(STATUSES);
export const CHANNEL_LABEL = Object.fromEntries(CHANNELS);
export const LANGUAGE_LABEL = { ID: 'Indonesian', EN: 'English', FR: 'French' };

/** Creates an element; children are nodes or strings (always text, never parsed as HTML). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/**
 * Formatters for one time zone (the tenant's): every time on the page reads in it, whatever
 * the browser's zone, and says which one it is.
 */
export function clock(timeZone) {
  const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', timeZone });
  const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium', timeZone });
  const day = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone });
  const sameDay = (a, b) => day.format(a) === day.format(b);
  return {
    timeZone,
    dateTime,
    /** A <time> element: the time only when it is today (in the zone), else date and time. */
    timeEl(iso, full = false) {
      const d = new Date(iso);
      const text = full || !sameDay(d, new Date()) ? dateTime.format(d) : timeOnly.format(d);
      return h('time', { datetime: iso, title: `${dateTime.format(d)} (${timeZone})` }, text);
    },
  };
}

export function formatMoney(amount, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: 2 }).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}

export const statusBadge = (status) =>
  h(
    'span',
    { class: 'status', 'data-status': status },
    h('span', { class: 'status-dot', 'aria-hidden': 'true' }),
    STATUS_LABEL[status] ?? status,
  );
export const channelBadge = (channel) =>
  h('span', { class: 'channel', 'data-channel': channel }, CHANNEL_LABEL[channel] ?? channel);

export function flash(el) {
  el.classList.remove('flash');
  void el.offsetWidth; // restart the animation
  el.classList.add('flash');
  // Removed at the end, or un-hiding a filtered row would replay it.
  el.addEventListener('animationend', () => el.classList.remove('flash'), { once: true });
}

/** Calls `fn` once, `ms` after the last of a burst of calls. */
export function debounce(fn, ms) {
  let timer;
  const run = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  run.cancel = () => clearTimeout(timer);
  return run;
}
