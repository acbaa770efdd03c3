// The summary: counts, reasons and cost from deliveryStats (the database's, over every matching
// delivery), never from the rows the page happens to hold.
import { $, CHANNELS, STATUSES, formatMoney, h } from './dom.js';

/**
 * The variables of the stats query for a filter: all of it, and without its status (the status
 * tiles) or channel (the channel tiles), so a pressed tile still shows the others' counts.
 */
export function statsVariables(filter) {
  const { status: _s, ...anyStatus } = filter;
  const { channel: _c, ...anyChannel } = filter;
  return { all: filter, anyStatus, anyChannel };
}

/** ui: { filter, setFilter(key, value), currency } */
export function renderStats(data, ui) {
  $('total').textContent = String(data.all.total);
  const cost = $('cost');
  cost.textContent = formatMoney(data.all.whatsAppCost, ui.currency);
  cost.dataset.amount = data.all.whatsAppCost;
  cost.title = `${data.all.whatsAppCost} ${ui.currency}, net of refunds`;
  renderTiles($('by-status'), STATUSES, 'status', data.statuses.byStatus, ui);
  renderTiles($('by-channel'), CHANNELS, 'channel', data.channels.byChannel, ui);
  renderReasons($('by-reason'), data.all.byReason, ui);
}

/** Keeps keyboard focus on the same value when a list is redrawn. */
function replaceKeepingFocus(list, items) {
  const focused = list.contains(document.activeElement)
    ? /** @type {HTMLElement} */ (document.activeElement).dataset.value
    : null;
  list.replaceChildren(...items);
  if (focused) /** @type {HTMLElement|null} */ (list.querySelector(`[data-value="${CSS.escape(focused)}"]`))?.focus();
}

/** One tile per value; a tile toggles its filter. */
function renderTiles(list, values, key, counts, ui) {
  const n = Object.fromEntries(counts.map((c) => [c.key, c.count]));
  const tiles = values.map(([value, label]) => {
    const pressed = ui.filter[key] === value;
    return h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'tile',
          'data-key': key,
          'data-value': value,
          'aria-pressed': pressed ? 'true' : 'false',
          title: pressed ? `Show every ${key}` : `Show only ${label}`,
          onclick: () => ui.setFilter(key, pressed ? '' : value),
        },
        h('span', { class: 'tile-count' }, String(n[value] ?? 0)),
        key === 'status'
          ? h(
              'span',
              { class: 'tile-label', 'data-status': value },
              h('span', { class: 'status-dot', 'aria-hidden': 'true' }),
              label,
            )
          : h('span', { class: 'tile-label' }, label),
      ),
    );
  });
  replaceKeepingFocus(list, tiles);
}

/** A bar as long as its share; set through CSSOM, since the page's CSP forbids style attributes. */
function bar(share) {
  const el = h('span', { class: 'reason-bar', 'aria-hidden': 'true' });
  el.style.setProperty('--share', `${Math.max(2, Math.round(100 * share))}%`);
  return el;
}

/** Skip and failure reasons by group, largest first; one toggles the reason filter. */
function renderReasons(list, reasons, ui) {
  if (reasons.length === 0) {
    list.replaceChildren(h('li', { class: 'muted' }, 'No skipped or failed deliveries match.'));
    return;
  }
  const max = Math.max(...reasons.map((r) => r.count));
  const items = reasons.map((r) => {
    const pressed = ui.filter.reason === r.key;
    return h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'reason-row',
          'data-value': r.key,
          'aria-pressed': pressed ? 'true' : 'false',
          title: pressed ? 'Show every reason' : `Show only ${r.key}`,
          onclick: () => ui.setFilter('reason', pressed ? '' : r.key),
        },
        h('span', { class: 'reason-key' }, r.key),
        h('span', { class: 'reason-count' }, String(r.count)),
        bar(r.count / max),
      ),
    );
  });
  replaceKeepingFocus(list, items);
}
