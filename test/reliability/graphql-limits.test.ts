import { gzipSync } from 'node:zlib';
import { getIntrospectionQuery, Lexer, Source, TokenKind } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';

// GraphQL abuse is refused with a stable extensions.code, over HTTP and graphql-ws alike
// (src/graphql/limits.ts). The main instance runs the defaults; a second one has a depth limit
// of 2, which Kabar's own (acyclic) schema can exceed, to show the data-graph depth limit.

const MiB = 1024 * 1024;

function countTokens(query: string): number {
  const lexer = new Lexer(new Source(query));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}

/** `__type(name: "Delivery") { fields { type { ofType × n { name } } } } }`: depth 4 + n. */
const ofTypeChain = (n: number) =>
  `{ __type(name: "Delivery") { fields { type { ${'ofType { '.repeat(n)}name${' }'.repeat(n)} } } } }`;

/**
 * Cost of one `d: deliveries(first: N)` below: node = 1 + id 1 + history (1 + 10 items × status 1) = 13,
 * edges = 1 + 13 (a connection's edges are the page already counted), deliveries = 1 + N × 14.
 */
const pages = (copies: number, first: number | string, skipLast = false) =>
  `query${typeof first === 'string' ? '($n: Int, $skip: Boolean!)' : ''} { ${Array.from(
    { length: copies },
    (_, i) =>
      `d${i}: deliveries(first: ${first})${skipLast && i === copies - 1 ? ' @skip(if: $skip)' : ''} { edges { node { id history { status } } } }`,
  ).join(' ')} }`;

interface WsOutcome {
  results: unknown[];
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Runs one operation over graphql-ws until it completes or errors (or `waitMs` passes for a live subscription). */
function overWs(
  k: TestKabar,
  token: string,
  payload: { query: string; variables?: Record<string, unknown>; operationName?: string },
  opts: { waitMs?: number; stopAfter?: number; whileOpen?: () => Promise<void> } = {},
): Promise<WsOutcome> {
  const client = createClient({
    url: k.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const out: WsOutcome = { results: [] };
  return new Promise<WsOutcome>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      resolve(out);
    };
    client.subscribe(payload, {
      next: (v) => {
        out.results.push(v);
        if (opts.stopAfter && out.results.length >= opts.stopAfter) done();
      },
      error: (e) => {
        out.errors = Array.isArray(e)
          ? e
          : [
              {
                message: String((e as { reason?: string; code?: number }).reason ?? e),
                extensions: { closeCode: (e as { code?: number }).code },
              },
            ];
        done();
      },
      complete: done,
    });
    if (opts.waitMs) timer = setTimeout(done, opts.waitMs);
    void opts.whileOpen?.();
  }).finally(() => client.dispose());
}

describe('GraphQL limits (defaults)', () => {
  let k: TestKabar;
  let t: TestTenant;
  const post = (body: string | Blob, headers: Record<string, string> = {}) =>
    fetch(k.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.admin}`, ...headers },
      body,
    });

  beforeAll(async () => {
    k = await startKabar({ loops: false });
    t = await k.newTenant();
  });
  afterAll(async () => k.stop());

  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect({
      depth: c.KABAR_GRAPHQL_MAX_DEPTH,
      introspectionDepth: c.KABAR_GRAPHQL_MAX_INTROSPECTION_DEPTH,
      cost: c.KABAR_GRAPHQL_MAX_COST,
      aliases: c.KABAR_GRAPHQL_MAX_ALIASES,
      directives: c.KABAR_GRAPHQL_MAX_DIRECTIVES,
      tokens: c.KABAR_GRAPHQL_MAX_TOKENS,
      body: c.KABAR_GRAPHQL_MAX_BODY_BYTES,
    }).toEqual({
      depth: 10,
      introspectionDepth: 15,
      cost: 10_000,
      aliases: 15,
      directives: 50,
      tokens: 1000,
      body: MiB,
    });
    expect(() => loadConfig({ KABAR_GRAPHQL_MAX_DEPTH: '0' })).toThrow(/KABAR_GRAPHQL_MAX_DEPTH/);
  });

  describe('depth', () => {
    it('serves the standard introspection query (GraphiQL) but not an ofType chain one level deeper than 15', async () => {
      const full = await k.gql(
        null,
        getIntrospectionQuery({
          descriptions: true,
          specifiedByUrl: true,
          directiveIsRepeatable: true,
          schemaDescription: true,
          inputValueDeprecation: true,
          oneOf: true,
        }),
      );
      expect(full.errors).toBeUndefined();
      expect(full.data.__schema.queryType).toEqual({ name: 'Query', kind: 'OBJECT' });

      const atLimit = await k.gql(null, ofTypeChain(11));
      expect(atLimit.errors).toBeUndefined();
      expect(atLimit.data.__type.fields.length).toBeGreaterThan(5);

      const deeper = await k.gql(null, ofTypeChain(12));
      expect(deeper.status).toBe(400);
      expect(deeper.data).toBeUndefined();
      expect(deeper.errors).toHaveLength(1);
      expect(deeper.errors![0]).toMatchObject({
        message: 'The introspection query is 16 levels deep; at most 15 are allowed',
        extensions: { code: 'QUERY_TOO_DEEP', limit: 15, actual: 16 },
      });
    });

    it('counts depth through named and inline fragments', async () => {
      const viaFragments = `{ ...Root } fragment Root on Query { __type(name: "Delivery") { ... on __Type { fields { type { ...Chain } } } } }
        fragment Chain on __Type { ${'ofType { '.repeat(12)}name${' }'.repeat(12)} }`;
      const res = await k.gql(null, viaFragments);
      expect(res.status).toBe(400);
      expect(res.errors!.map((e) => e.extensions)).toEqual([{ code: 'QUERY_TOO_DEEP', limit: 15, actual: 16 }]);
    });

    it('refuses nested introspection lists (types × fields × fields…) as too deep', async () => {
      const res = await k.gql(
        null,
        '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }',
      );
      expect(res.status).toBe(400);
      expect(res.errors).toEqual([
        {
          message: 'Maximum introspection depth exceeded',
          locations: [{ line: 1, column: 3 }],
          extensions: { code: 'QUERY_TOO_DEEP' },
        },
      ]);
    });

    it('applies to GET requests and to graphql-ws operations', async () => {
      const get = await fetch(`${k.url}?query=${encodeURIComponent(ofTypeChain(12))}`, {
        headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
      });
      expect(get.status).toBe(400);
      expect(((await get.json()) as any).errors.map((e: any) => e.extensions)).toEqual([
        { code: 'QUERY_TOO_DEEP', limit: 15, actual: 16 },
      ]);

      const ws = await overWs(k, t.staff, { query: ofTypeChain(12) });
      expect(ws.results).toEqual([]);
      expect(ws.errors).toEqual([
        expect.objectContaining({
          message: 'The introspection query is 16 levels deep; at most 15 are allowed',
          extensions: { code: 'QUERY_TOO_DEEP', limit: 15, actual: 16 },
        }),
      ]);
      const wsNested = await overWs(k, t.staff, {
        query: '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }',
      });
      expect(wsNested.errors?.map((e) => e.extensions)).toEqual([{ code: 'QUERY_TOO_DEEP' }]);
      const wsOk = await overWs(k, t.staff, { query: ofTypeChain(11) });
      expect(wsOk.errors).toBeUndefined();
      expect((wsOk.results[0] as any).data.__type.fields.length).toBeGreaterThan(5);
    });
  });

  describe('cost', () => {
    it('multiplies by first: 7 pages of 100 deliveries (9,807) pass, 8 (11,208) are QUERY_TOO_COMPLEX', async () => {
      const seven = await k.gql(t.admin, pages(7, 100));
      expect(seven.errors).toBeUndefined();
      expect(Object.keys(seven.data)).toHaveLength(7);

      const eight = await k.gql(t.admin, pages(8, 100));
      expect(eight.status).toBe(400);
      expect(eight.data).toBeUndefined();
      expect(eight.errors).toEqual([
        {
          message: 'The operation costs 11208; at most 10000 is allowed (lower first or select fewer fields)',
          extensions: { code: 'QUERY_TOO_COMPLEX', limit: 10000, actual: 11208 },
        },
      ]);
    });

    it('reads first from variables and leaves skipped fields out', async () => {
      const big = await k.gql(t.admin, pages(8, '$n', true), { n: 100, skip: false });
      expect(big.errors?.map((e) => e.extensions)).toEqual([
        { code: 'QUERY_TOO_COMPLEX', limit: 10000, actual: 11208 },
      ]);
      const skipped = await k.gql(t.admin, pages(8, '$n', true), { n: 100, skip: true });
      expect(skipped.errors).toBeUndefined();
      expect(Object.keys(skipped.data).sort()).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6']);
      const small = await k.gql(t.admin, pages(8, '$n', true), { n: 10, skip: false });
      expect(small.errors).toBeUndefined();
      // Omitted first = the default page size (20): 8 × (1 + 20 × 14) = 2,248, accepted.
      const omitted = await k.gql(
        t.admin,
        `{ ${Array.from({ length: 8 }, (_, i) => `d${i}: deliveries { edges { node { id history { status } } } }`).join(' ')} }`,
      );
      expect(omitted.errors).toBeUndefined();
    });

    it('applies to graphql-ws operations', async () => {
      const ws = await overWs(k, t.admin, { query: pages(8, 100) });
      expect(ws.results).toEqual([]);
      expect(ws.errors?.map((e) => e.extensions)).toEqual([{ code: 'QUERY_TOO_COMPLEX', limit: 10000, actual: 11208 }]);
    });
  });

  describe('aliases, directives, tokens', () => {
    const aliased = (n: number, field = '__typename') =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

    it('allows 15 aliases and refuses the 16th (alias flooding) with TOO_MANY_ALIASES', async () => {
      const ok = await k.gql(t.admin, aliased(15, 'creditBalance { balance }'));
      expect(ok.errors).toBeUndefined();
      expect(Object.keys(ok.data)).toHaveLength(15);
      const flood = await k.gql(t.admin, aliased(16, 'creditBalance { balance }'));
      expect(flood.status).toBe(400);
      expect(flood.errors).toEqual([
        {
          message: 'The document has 16 aliases; at most 15 are allowed',
          extensions: { code: 'TOO_MANY_ALIASES', limit: 15, actual: 16 },
        },
      ]);
      // Aliases hidden in a fragment count too.
      const inFragment = await k.gql(t.admin, `{ ...F } fragment F on Query ${aliased(16)}`);
      expect(inFragment.errors?.map((e) => e.extensions)).toEqual([
        { code: 'TOO_MANY_ALIASES', limit: 15, actual: 16 },
      ]);
      const ws = await overWs(k, t.admin, { query: aliased(16) });
      expect(ws.errors?.map((e) => e.extensions)).toEqual([{ code: 'TOO_MANY_ALIASES', limit: 15, actual: 16 }]);
    });

    it('allows 50 directives and refuses 51 with TOO_MANY_DIRECTIVES', async () => {
      const directives = (n: number) => `{ ${'__typename @include(if: true) '.repeat(n)}}`;
      const ok = await k.gql(t.admin, directives(50));
      expect(ok.errors).toBeUndefined();
      expect(ok.data).toEqual({ __typename: 'Query' });
      const many = await k.gql(t.admin, directives(51));
      expect(many.status).toBe(400);
      expect(many.errors).toEqual([
        {
          message: 'The document has 51 directives; at most 50 are allowed',
          extensions: { code: 'TOO_MANY_DIRECTIVES', limit: 50, actual: 51 },
        },
      ]);
    });

    it('parses 1,000 tokens and stops at the 1,001st with QUERY_TOO_LARGE', async () => {
      // 2 braces + 110 × 9 (`__type ( name : "Query" ) { name }`) + n × `__typename`.
      const tokens = (n: number) => `{ ${'__type(name: "Query") { name } '.repeat(110)}${'__typename '.repeat(n)}}`;
      expect(countTokens(tokens(8))).toBe(1000);
      const ok = await k.gql(t.admin, tokens(8));
      expect(ok.errors).toBeUndefined();
      expect(ok.data).toEqual({ __type: { name: 'Query' }, __typename: 'Query' });
      const tooMany = await k.gql(t.admin, tokens(9));
      expect(tooMany.status).toBe(400);
      expect(tooMany.errors).toHaveLength(1);
      expect(tooMany.errors![0]!.extensions).toEqual({ code: 'QUERY_TOO_LARGE', limit: 1000 });
      expect(tooMany.errors![0]!.message).toMatch(/^Syntax Error: Document contains more tha[nt] 1000 tokens/);
      const ws = await overWs(k, t.admin, { query: tokens(9) });
      expect(ws.errors?.map((e) => e.extensions)).toEqual([{ code: 'QUERY_TOO_LARGE', limit: 1000 }]);
    });

    it("refuses repeated fields past graphql-js's validation budget with QUERY_TOO_COMPLEX, quickly", async () => {
      // 998 identical fields: within the token limit, but merging them costs ~500,000 comparisons.
      const started = Date.now();
      const repeated = await k.gql(t.admin, `{ ${'__typename '.repeat(998)}}`);
      expect(repeated.status).toBe(400);
      expect(repeated.errors).toEqual([{ message: 'Validation aborted.', extensions: { code: 'QUERY_TOO_COMPLEX' } }]);
      const objects = await k.gql(t.admin, `{ ${'tenant { id } '.repeat(249)}}`);
      expect(objects.errors?.map((e) => e.extensions)).toBeUndefined();
      expect(objects.data).toEqual({ tenant: { id: t.id } });
      expect(Date.now() - started).toBeLessThan(2000);
      const ws = await overWs(k, t.admin, { query: `{ ${'__typename '.repeat(998)}}` });
      expect(ws.errors?.map((e) => e.extensions)).toEqual([{ code: 'QUERY_TOO_COMPLEX' }]);
    });
  });

  describe('page size', () => {
    const docs = {
      deliveries: 'query($first: Int) { deliveries(first: $first) { edges { cursor } } }',
      creditTransactions: 'query($first: Int) { creditTransactions(first: $first) { edges { cursor } } }',
      auditLog: 'query($first: Int) { auditLog(first: $first) { edges { cursor } } }',
    };

    for (const [name, doc] of Object.entries(docs)) {
      it(`${name}: first 1..100 accepted; 0, 101, -1 and 1,000,000 are BAD_USER_INPUT on "first"`, async () => {
        for (const first of [1, 100]) {
          const res = await k.gql(t.admin, doc, { first });
          expect(res.errors, `${name} first=${first}`).toBeUndefined();
          expect(Array.isArray(res.data[name].edges)).toBe(true);
        }
        for (const first of [0, 101, -1, 1_000_000]) {
          const res = await k.gql(t.admin, doc, { first });
          expect(res.data, `${name} first=${first}`).toBeNull();
          expect(res.errors).toEqual([
            {
              message: 'first must be between 1 and 100',
              locations: [{ line: 1, column: 22 }],
              path: [name],
              extensions: {
                code: 'BAD_USER_INPUT',
                field: 'first',
                fields: [{ path: 'first', message: 'first must be between 1 and 100' }],
              },
            },
          ]);
        }
        const literal = await k.gql(t.admin, `{ ${name}(first: 101) { edges { cursor } } }`);
        expect(literal.errors?.map((e) => e.extensions)).toEqual([
          {
            code: 'BAD_USER_INPUT',
            field: 'first',
            fields: [{ path: 'first', message: 'first must be between 1 and 100' }],
          },
        ]);
      });
    }
  });

  describe('request body', () => {
    /** A JSON body of exactly `bytes` bytes (spaces pad it: valid JSON). */
    const bodyOf = (bytes: number) => {
      const head = '{"query":"{ __typename }"';
      return `${head + ' '.repeat(bytes - head.length - 1)}}`;
    };

    it('accepts exactly 1 MiB and answers 1 MiB + 1 byte with 413 PAYLOAD_TOO_LARGE as GraphQL JSON', async () => {
      const atLimit = await post(bodyOf(MiB));
      expect(atLimit.status).toBe(200);
      expect(await atLimit.json()).toEqual({ data: { __typename: 'Query' } });

      const over = await post(bodyOf(MiB + 1));
      expect(over.status).toBe(413);
      expect(over.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await over.json()).toEqual({
        errors: [
          {
            message: `The request body is larger than ${MiB} bytes`,
            extensions: { code: 'PAYLOAD_TOO_LARGE', limit: MiB },
          },
        ],
      });
    });

    it('refuses a 2 MB body, and a small gzip body that inflates past the limit', async () => {
      // A valid change (known key, valid value) padded to 2 MB: only the body limit can stop it.
      const twoMb = await post(
        JSON.stringify({
          query: `# ${'x'.repeat(2 * MiB)}\nmutation { setReferenceData(key: "Private_Previews", value: "1") { key } }`,
        }),
      );
      expect(twoMb.status).toBe(413);
      expect(((await twoMb.json()) as any).errors[0].extensions).toEqual({ code: 'PAYLOAD_TOO_LARGE', limit: MiB });

      const bomb = gzipSync(Buffer.from(bodyOf(4 * MiB)));
      expect(bomb.length).toBeLessThan(10_000);
      const inflated = await post(new Blob([bomb]), { 'content-encoding': 'gzip' });
      expect(inflated.status).toBe(413);
      expect(((await inflated.json()) as any).errors[0].extensions).toEqual({ code: 'PAYLOAD_TOO_LARGE', limit: MiB });
      // The reference data was not written.
      expect(
        (await k.gql(t.admin, '{ referenceData(key: "Private_Previews") { value } }')).data.referenceData,
      ).toBeNull();
    });

    it('answers malformed JSON with 400 BAD_REQUEST as GraphQL JSON, not an HTML page', async () => {
      for (const body of ['{"query": ', '{query: "{ __typename }"}', '"just a string"']) {
        const res = await post(body);
        expect(res.status, body).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await res.json()).toEqual({
          errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
        });
      }
    });

    it('closes a graphql-ws socket whose message exceeds the limit (1009)', async () => {
      const ws = await overWs(k, t.staff, { query: `{ __typename } # ${'x'.repeat(MiB)}` });
      expect(ws.results).toEqual([]);
      expect(ws.errors?.[0]?.extensions).toEqual({ closeCode: 1009 });
    });
  });

  describe('batches and several operations', () => {
    it('refuses a JSON array (batching is not supported) with 400 BATCHING_NOT_SUPPORTED, whatever its size', async () => {
      for (const batch of [
        [{ query: '{ __typename }' }],
        [{ query: '{ __typename }' }, { query: '{ tenant { id } }' }],
        Array.from({ length: 50 }, () => ({ query: '{ __typename }' })),
      ]) {
        const res = await post(JSON.stringify(batch));
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
          errors: [
            {
              message: 'Batched operations are not supported: send one operation per request',
              extensions: { code: 'BATCHING_NOT_SUPPORTED' },
            },
          ],
        });
      }
    });

    it('needs operationName when the document holds several operations, and runs only the named one', async () => {
      const doc = 'query A { __typename } query B { tenant { id } }';
      const unnamed = await k.gql(t.admin, doc);
      expect(unnamed.status).toBe(400);
      expect(unnamed.errors).toEqual([
        {
          message: 'Must provide operation name if query contains multiple operations.',
          extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
        },
      ]);

      const named = await post(JSON.stringify({ query: doc, operationName: 'B' }));
      expect(named.status).toBe(200);
      expect(await named.json()).toEqual({ data: { tenant: { id: t.id } } });

      const unknown = await post(JSON.stringify({ query: doc, operationName: 'C' }));
      expect(unknown.status).toBe(400);
      expect(((await unknown.json()) as any).errors).toEqual([
        { message: 'Unknown operation named "C".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } },
      ]);

      const ws = await overWs(k, t.admin, { query: doc });
      expect(ws.errors).toEqual([
        expect.objectContaining({
          message: 'Could not identify the operation: name one with operationName',
          extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
        }),
      ]);
      const wsNamed = await overWs(k, t.admin, { query: doc, operationName: 'A' });
      expect(wsNamed).toEqual({ results: [{ data: { __typename: 'Query' } }] });
    });
  });
});

describe('GraphQL limits (configured: KABAR_GRAPHQL_MAX_DEPTH=2)', () => {
  let k: TestKabar;
  let t: TestTenant;
  beforeAll(async () => {
    k = await startKabar({ loops: false, env: { KABAR_GRAPHQL_MAX_DEPTH: '2' } });
    t = await k.newTenant();
  });
  afterAll(async () => k.stop());

  it('refuses a data query deeper than the limit, over HTTP and graphql-ws', async () => {
    const ok = await k.gql(t.admin, '{ deliveries { totalCount } creditBalance { balance } }');
    expect(ok.errors).toBeUndefined();
    expect(ok.data).toEqual({ deliveries: { totalCount: 0 }, creditBalance: { balance: '0' } });

    const deep = await k.gql(t.admin, '{ creditBalance { balance } deliveries { edges { node { id } } } }');
    expect(deep.status).toBe(400);
    expect(deep.errors).toEqual([
      {
        message: 'The query is 4 levels deep; at most 2 are allowed',
        locations: [{ line: 1, column: 29 }],
        extensions: { code: 'QUERY_TOO_DEEP', limit: 2, actual: 4 },
      },
    ]);
    const ws = await overWs(k, t.admin, { query: '{ deliveries { edges { cursor } } }' });
    expect(ws.errors?.map((e) => e.extensions)).toEqual([{ code: 'QUERY_TOO_DEEP', limit: 2, actual: 3 }]);
  });

  it('refuses a subscription deeper than the limit and serves one within it', async () => {
    const deep = await overWs(k, t.staff, { query: 'subscription { deliveryStatusChanged { history { status } } }' });
    expect(deep.results).toEqual([]);
    expect(deep.errors).toEqual([
      expect.objectContaining({
        message: 'The query is 3 levels deep; at most 2 are allowed',
        extensions: { code: 'QUERY_TOO_DEEP', limit: 2, actual: 3 },
      }),
    ]);

    const platform = await platformToken();
    const live = await overWs(
      k,
      t.staff,
      { query: 'subscription { creditBalanceChanged { balance } }' },
      {
        waitMs: 5000,
        stopAfter: 1,
        whileOpen: async () => {
          await new Promise((r) => setTimeout(r, 300));
          const req = await k.gql(t.admin, 'mutation { requestCreditPurchase(amount: "2500") { id } }');
          await k.gql(platform, 'mutation($id: ID!) { confirmCreditPurchase(id: $id) { status } }', {
            id: req.data.requestCreditPurchase.id,
          });
        },
      },
    );
    expect(live).toEqual({ results: [{ data: { creditBalanceChanged: { balance: '2500' } } }] });
  });
});
