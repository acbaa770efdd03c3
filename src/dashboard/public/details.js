// A delivery's details and history, in a modal dialog.
import { AuthError, Q, gql } from './api.js';
import { $, CHANNEL_LABEL, LANGUAGE_LABEL, formatMoney, h, statusBadge } from './dom.js';

const dialog = /** @type {HTMLDialogElement} */ ($('details'));

/** ui: { session(): the current session, upsert(row), fail(err) } */
export function openDetails(s, id, ui) {
  s.openId = id;
  const d = s.deliveries.get(id);
  $('details-title').textContent = d ? `${d.eventType} · ${CHANNEL_LABEL[d.channel] ?? d.channel}` : 'Delivery';
  $('details-facts').replaceChildren();
  $('details-history').replaceChildren(h('li', { class: 'muted' }, 'Loading…'));
  $('details-body').textContent = '';
  if (!dialog.open) dialog.showModal();
  loadDetails(s, id, ui);
}

export function closeDetails() {
  if (dialog.open) dialog.close();
}

export async function loadDetails(s, id, ui) {
  try {
    const { delivery: d } = await gql(s.token, Q.DETAILS, { id });
    if (ui.session() !== s || s.openId !== id) return;
    if (!d) {
      $('details-history').replaceChildren(h('li', { class: 'muted' }, 'This delivery no longer exists.'));
      return;
    }
    const { history: _h, renderedBody: _b, ...row } = d;
    ui.upsert(row);
    renderFacts(s, d);
    const history = [...d.history].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    $('details-history').replaceChildren(
      ...history.map((c) =>
        h(
          'li',
          { dataset: { status: c.status } },
          statusBadge(c.status),
          ' ',
          s.clock.timeEl(c.at, true),
          c.reason ? h('span', { class: 'sub reason' }, c.reason) : null,
        ),
      ),
    );
    $('details-body').textContent = d.renderedBody;
  } catch (err) {
    if (err instanceof AuthError) return ui.fail(err);
    if (ui.session() === s && s.openId === id)
      $('details-history').replaceChildren(
        h('li', { class: 'form-error' }, `Could not load the history: ${err.message}`),
      );
  }
}

function renderFacts(s, d) {
  const fact = (term, ...value) => [h('dt', {}, term), h('dd', {}, ...value)];
  $('details-title').textContent = `${d.eventType} · ${CHANNEL_LABEL[d.channel] ?? d.channel}`;
  $('details-facts').replaceChildren(
    ...fact('Status', statusBadge(d.status), d.reason ? h('span', { class: 'reason' }, ` ${d.reason}`) : null),
    ...fact('Recipient', d.recipient),
    ...fact(
      'Audience',
      `${d.recipientKind === 'staff' ? 'Staff' : 'Patient'}, in ${LANGUAGE_LABEL[d.language] ?? d.language}`,
    ),
    ...(d.patientId ? fact('Patient id', h('code', {}, d.patientId)) : []),
    ...(d.bookingReference ? fact('Booking reference', h('code', {}, d.bookingReference)) : []),
    ...fact('Event id', h('code', {}, d.eventId)),
    ...fact('Delivery id', h('code', {}, d.id)),
    ...(d.providerMessageId ? fact('Provider message id', h('code', {}, d.providerMessageId)) : []),
    ...(d.cost ? fact('Cost', formatMoney(d.cost, s.currency)) : []),
    ...fact(`Created (${s.clock.timeZone})`, s.clock.timeEl(d.createdAt, true)),
  );
}

/** Wires the dialog's own controls once; `focusRow(id)` returns focus to the row it came from. */
export function wireDetails(ui) {
  $('details-close').addEventListener('click', closeDetails);
  dialog.addEventListener('close', () => {
    const s = ui.session();
    const id = s?.openId;
    if (s) s.openId = null;
    if (id) /** @type {HTMLElement|undefined} */ (s.rows.get(id)?.querySelector('button'))?.focus();
  });
  // A click on the backdrop (outside the panel) closes it.
  dialog.addEventListener('click', (e) => {
    if (e.target !== dialog) return;
    const r = dialog.getBoundingClientRect();
    if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) closeDetails();
  });
}
