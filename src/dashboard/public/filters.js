// What the operator narrows the deliveries to: the filters and the period. The list, the counts,
// the export and a bulk resend all use the same DeliveryFilter.
import { $ } from './dom.js';
import { windowRange } from './zone.js';

export const filter = { channel: '', status: '', eventType: '', reason: '', search: '' };
/** "today", "7d" (today and the six days before), "custom" (from and to dates, included) or "all". */
export const period = { kind: 'today', from: '', to: '' };

/** The API's DeliveryFilter in the tenant's time zone (empty values left out). */
export function apiFilter(timeZone) {
  const { since, until } = windowRange(period.kind, timeZone, period);
  return Object.fromEntries(Object.entries({ ...filter, since, until }).filter(([, v]) => v !== '' && v !== null));
}

export const filtering = () => Object.values(filter).some(Boolean);

export function clearFilters() {
  Object.assign(filter, { channel: '', status: '', eventType: '', reason: '', search: '' });
}

/** The form shows the state (a tile or a reason click sets it from outside the form). */
export function syncInputs() {
  for (const [key, id] of [
    ['channel', 'f-channel'],
    ['status', 'f-status'],
    ['eventType', 'f-event'],
    ['search', 'f-search'],
  ]) {
    const input = /** @type {HTMLInputElement} */ ($(id));
    if (input.value !== filter[key]) input.value = filter[key];
  }
  /** @type {HTMLSelectElement} */ ($('f-period')).value = period.kind;
  $('custom-period').hidden = period.kind !== 'custom';
  $('f-reason-chip').hidden = !filter.reason;
  $('f-reason-text').textContent = filter.reason;
}
