import { summarize } from './util.js';

// GraphQL reads under load: `clients` concurrent clients, each sending the next request as soon
// as the previous one answered, tenants taken in turn.

export const DELIVERIES_QUERY = `query($first: Int) { deliveries(first: $first) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id eventId eventType channel recipient recipientKind language status reason providerMessageId cost renderedBody createdAt updatedAt
  history { status at reason } } } } }`;

export async function graphqlLoad(url: string, tokens: string[], first: number, seconds: number, clients: number) {
  const body = (_i: number) => JSON.stringify({ query: DELIVERIES_QUERY, variables: { first } });
  const one = async (token: string, i: number) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body(i),
    });
    const json = (await res.json()) as { data?: { deliveries: { edges: unknown[] } }; errors?: unknown };
    if (json.errors || !json.data)
      throw new Error(`deliveries(first: ${first}) failed: ${JSON.stringify(json.errors).slice(0, 300)}`);
    return json.data.deliveries.edges.length;
  };
  // Warm-up: every client once.
  let edges = 0;
  for (let i = 0; i < clients; i++) edges = Math.max(edges, await one(tokens[i % tokens.length]!, i));
  const lat: number[] = [];
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      for (let i = w; performance.now() < end; i += clients) {
        const t0 = performance.now();
        await one(tokens[i % tokens.length]!, i);
        lat.push(performance.now() - t0);
        count++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { requests: count, requestsPerSecond: count / elapsed, latency: summarize(lat), edgesPerPage: edges };
}

/** Sequential requests with nothing else running: exact SQL statements per request. */
export async function sqlPerRequest(
  url: string,
  token: string,
  first: number,
  n: number,
  statements: () => Promise<number>,
) {
  const before = await statements();
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: DELIVERIES_QUERY, variables: { first } }),
    });
    await res.json();
  }
  return ((await statements()) - before) / n;
}
