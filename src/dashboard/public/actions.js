// What an operator does to the deliveries: resend one or every match (TENANT_ADMIN), export CSV.
import { Q, downloadCsv, gql } from './api.js';
import { $ } from './dom.js';
import { filter } from './filters.js';
import { resendable } from './rows.js';

/** ctx: { session(), apiFilter(), notify(text), fail(err) } */
export async function resendOne(ctx, id) {
  const s = ctx.session();
  if (!s) return;
  try {
    const { resendDeliveries: r } = await gql(s.token, Q.RESEND, { ids: [id] });
    ctx.notify(
      r.requeued
        ? 'Resent: the message is queued again.'
        : 'Not resent: it is no longer skipped or failed, or its fallback is on its way.',
    );
  } catch (err) {
    ctx.fail(err);
  }
}

/** How many deliveries a bulk resend would take up, from the stats. */
function resendableCount(s) {
  const by = Object.fromEntries((s.stats?.statuses.byStatus ?? []).map((c) => [c.key, c.count]));
  if (filter.status) return resendable({ status: filter.status }) ? (by[filter.status] ?? 0) : 0;
  return (by.SKIPPED ?? 0) + (by.FAILED ?? 0);
}

/** Two steps: the first click says how many, the second resends every match of the filter. */
export async function resendBulk(ctx) {
  const s = ctx.session();
  const btn = /** @type {HTMLButtonElement} */ ($('resend-all'));
  if (!s) return;
  if (btn.dataset.confirm !== 'yes') {
    const n = resendableCount(s);
    if (n === 0) return ctx.notify('Nothing to resend: no skipped or failed delivery matches.');
    btn.dataset.confirm = 'yes';
    btn.textContent = `Confirm: resend ${n}`;
    return;
  }
  resetBulk();
  btn.disabled = true;
  try {
    const { resendDeliveries: r } = await gql(s.token, Q.RESEND, { filter: ctx.apiFilter() });
    ctx.notify(`Resent ${r.requeued}; ${r.unchanged} left as they were.`);
  } catch (err) {
    ctx.fail(err);
  } finally {
    btn.disabled = false;
  }
}

export function resetBulk() {
  const btn = $('resend-all');
  delete btn.dataset.confirm;
  btn.textContent = 'Resend skipped and failed';
}

export async function exportCsv(ctx) {
  const s = ctx.session();
  if (!s) return;
  const btn = /** @type {HTMLButtonElement} */ ($('export'));
  btn.disabled = true;
  try {
    await downloadCsv(s.token, ctx.apiFilter());
    ctx.notify('Export downloaded.');
  } catch (err) {
    ctx.fail(err);
  } finally {
    btn.disabled = false;
  }
}
