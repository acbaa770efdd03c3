// Kabar's API as the dashboard uses it: GraphQL over HTTP POST, and the CSV export.

export const GRAPHQL_URL = new URL(
  document.querySelector('meta[name="kabar-graphql"]')?.getAttribute('content') || '/graphql',
  location.href,
);
export const EXPORT_URL = new URL(
  document.querySelector('meta[name="kabar-export"]')?.getAttribute('content') || '/deliveries.csv',
  location.href,
);
export const WS_URL = new URL(GRAPHQL_URL);
WS_URL.protocol = GRAPHQL_URL.protocol === 'https:' ? 'wss:' : 'ws:';

const FIELDS =
  'id eventId eventType channel recipient recipientKind language status reason providerMessageId cost createdAt updatedAt patientId bookingReference';
export const Q = {
  VIEWER: 'query DashboardViewer { viewer { subject tenantId roles } }',
  INITIAL: `query DashboardInitial {
    tenant { name timezone currency }
    creditBalance { currency balance updatedAt }
    eventTypes
  }`,
  PAGE: `query DashboardPage($first: Int, $after: String, $filter: DeliveryFilter) {
    deliveries(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${FIELDS} } } }
  }`,
  // Status tiles count over the other filters (the status one aside), channel tiles likewise.
  STATS: `query DashboardStats($all: DeliveryFilter, $anyStatus: DeliveryFilter, $anyChannel: DeliveryFilter) {
    all: deliveryStats(filter: $all) { total whatsAppCost byReason { key count } }
    statuses: deliveryStats(filter: $anyStatus) { byStatus { key count } }
    channels: deliveryStats(filter: $anyChannel) { byChannel { key count } }
  }`,
  DETAILS: `query DashboardDelivery($id: ID!) { delivery(id: $id) { ${FIELDS} renderedBody history { status at reason } } }`,
  RESEND:
    'mutation DashboardResend($ids: [ID!], $filter: DeliveryFilter) { resendDeliveries(ids: $ids, filter: $filter) { requeued unchanged } }',
  ON_DELIVERY: `subscription DashboardDeliveries { deliveryStatusChanged { ${FIELDS} } }`,
  ON_BALANCE: 'subscription DashboardBalance { creditBalanceChanged { currency balance updatedAt } }',
};

export class AuthError extends Error {}

export async function gql(token, query, variables = {}) {
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

/** The export's address for a filter (the server streams it; the token goes in a header). */
export function exportUrl(filter) {
  const url = new URL(EXPORT_URL);
  url.searchParams.set('filter', JSON.stringify(filter));
  return url;
}

/**
 * Downloads the filtered deliveries as CSV. A link cannot send the bearer token, so the page
 * fetches it and hands the browser the file.
 */
export async function downloadCsv(token, filter) {
  const res = await fetch(exportUrl(filter), { headers: { authorization: `Bearer ${token}` } });
  if (res.status === 401) throw new AuthError('The token is no longer accepted');
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    throw new Error(`Export failed: ${body?.error?.message ?? `HTTP ${res.status}`}`);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'deliveries.csv';
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
