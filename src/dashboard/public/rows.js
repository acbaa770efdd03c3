// The deliveries table: one row per delivery, created or updated in place (focus and scroll
// position survive live updates), newest first.
import { $, channelBadge, flash, h, statusBadge } from './dom.js';

export const byNewest = (a, b) =>
  a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1;
export const resendable = (d) => d.status === 'SKIPPED' || d.status === 'FAILED';

/** Who the message is about: the patient id and the booking reference, when known. */
function about(d) {
  const bits = [
    d.patientId ? `Patient ${d.patientId}` : null,
    d.bookingReference ? `Booking ${d.bookingReference}` : null,
  ].filter(Boolean);
  return bits.length ? h('span', { class: 'sub about' }, bits.join(' · ')) : null;
}

/**
 * s: the session ({ clock, isAdmin, deliveries, rows }); ui: { open(id), resend(id) }.
 * Returns true when the delivery is new or its status changed.
 */
export function upsert(s, d, ui, live) {
  const before = s.deliveries.get(d.id);
  if (before && before.updatedAt > d.updatedAt) return false; // an older state arriving late
  s.deliveries.set(d.id, { ...before, ...d });
  const changed = !before || before.status !== d.status;
  renderRow(s, s.deliveries.get(d.id), ui, live && changed);
  return changed;
}

function renderRow(s, d, ui, highlight) {
  let tr = s.rows.get(d.id);
  const action =
    s.isAdmin && resendable(d)
      ? h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small',
            'data-action': 'resend',
            title: 'Send it again: the consent, quiet-hours and credit checks run again',
            onclick: (e) => (e.stopPropagation(), ui.resend(d.id)),
          },
          'Resend',
        )
      : null;
  const cells = [
    h('td', { class: 'c-time' }, s.clock.timeEl(d.updatedAt)),
    h(
      'td',
      { class: 'c-event' },
      h('button', { type: 'button', class: 'link', 'aria-haspopup': 'dialog', title: 'Show history' }, d.eventType),
      h('span', { class: 'sub' }, d.recipientKind === 'staff' ? 'to staff' : 'to patient'),
    ),
    h('td', { class: 'c-channel' }, channelBadge(d.channel)),
    h('td', { class: 'c-recipient' }, h('span', { class: 'recipient' }, d.recipient), about(d)),
    h(
      'td',
      { class: 'c-status' },
      statusBadge(d.status),
      d.reason ? h('span', { class: 'sub reason' }, d.reason) : null,
    ),
    ...(s.isAdmin ? [h('td', { class: 'c-action' }, action)] : []),
  ];
  if (!tr) {
    tr = /** @type {HTMLTableRowElement} */ (h('tr', { dataset: { deliveryId: d.id } }));
    tr.addEventListener('click', () => ui.open(d.id));
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

export function clearRows(s) {
  s.deliveries.clear();
  s.rows.clear();
  $('rows').replaceChildren();
}

/** Keeps memory bounded on a busy tenant: the oldest rows go first. */
export function trim(s, max) {
  if (s.deliveries.size <= max) return;
  const oldest = [...s.deliveries.values()].sort(byNewest).slice(max);
  for (const d of oldest) {
    s.deliveries.delete(d.id);
    s.rows.get(d.id)?.remove();
    s.rows.delete(d.id);
  }
  s.hasNextPage = true;
}
