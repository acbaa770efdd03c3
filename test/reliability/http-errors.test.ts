import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';

/**
 * Every HTTP route, sent a body it cannot read (malformed) and one over its limit: the answer is
 * JSON with a stable code (and the limit for 413), never Express's HTML page or a stack trace.
 */
describe('HTTP errors', () => {
  let k: TestKabar;
  let t: TestTenant;
  let base: string;
  beforeAll(async () => {
    k = await startKabar({ loops: false });
    t = await k.newTenant();
    base = k.url.replace(/\/graphql$/, '');
  });
  afterAll(async () => k.stop());

  const MB = 1024 * 1024;
  const big = (bytes: number) => 'x'.repeat(bytes);

  /** Posts a body; returns the status and parsed JSON, after checking it is JSON with no stack trace. */
  async function post(path: string, body: string, headers: Record<string, string>) {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers, body });
    const text = await res.text();
    expect(res.headers.get('content-type'), `${path}: ${text.slice(0, 200)}`).toMatch(/^application\/json/);
    expect(text).not.toMatch(/<html|<pre>|\n\s+at |node_modules/i);
    return { status: res.status, body: JSON.parse(text) as any };
  }

  const json = { 'content-type': 'application/json' };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const tenant = randomUUID();

  /** [route, content headers, malformed body, limit in bytes, how the route shapes its error code]. */
  const routes: [string, Record<string, string>, string, number, (b: any) => unknown][] = [
    ['/events', json, '{"id": "e-1", "type":', MB, (b) => b.error.code],
    [`/webhooks/whatsapp/${tenant}`, json, '{"entry": [', MB, (b) => b.code],
    [
      `/webhooks/sms/${tenant}`,
      { 'content-type': 'application/x-www-form-urlencoded; charset=koi8-r' },
      'MessageStatus=sent',
      256 * 1024,
      (b) => b.code,
    ],
    [
      `/webhooks/sms/${tenant}/inbound`,
      { 'content-type': 'application/x-www-form-urlencoded; charset=koi8-r' },
      'Body=STOP',
      256 * 1024,
      (b) => b.code,
    ],
    ['/webhooks/ses', { 'content-type': 'text/plain' }, '{"Type":', 256 * 1024, (b) => b.error],
  ];

  it.each(routes)('%s: a malformed body is a JSON 4xx', async (path, headers, malformed, _limit, codeOf) => {
    const res = await post(path, malformed, { ...headers, authorization: `Bearer ${t.service}` });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(codeOf(res.body)).toBeTruthy();
  });

  it.each(routes)(
    '%s: a body over the limit is a JSON 413 PAYLOAD_TOO_LARGE with the limit',
    async (path, headers, _m, limit) => {
      const type = headers['content-type']!.startsWith('application/x-www-form-urlencoded') ? form : headers;
      const body = type === form ? `Body=${big(limit + 10)}` : JSON.stringify({ pad: big(limit + 10) });
      const res = await post(path, body, { ...type, authorization: `Bearer ${t.service}` });
      expect(res.status).toBe(413);
      const error = typeof res.body.error === 'object' ? res.body.error : res.body;
      expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit });
    },
  );

  it('POST /events over its size limit names the limit, even without a token', async () => {
    const res = await post('/events', JSON.stringify({ pad: big(MB + 1) }), json);
    expect(res).toEqual({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE', message: `request body too large (limit ${MB} bytes)`, limit: MB } },
    });
  });

  it('/graphql: malformed and oversized bodies are GraphQL-shaped JSON errors', async () => {
    const bad = await post('/graphql', '{"query": ', json);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    const large = await post('/graphql', JSON.stringify({ query: '{ tenant { id } }', pad: big(MB + 10) }), json);
    expect(large.status).toBe(413);
    expect(large.body.errors[0].extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: MB });
  });

  it('routes without a body, and unknown paths, answer a JSON 404 to a POST', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/dashboard', '/', '/no/such/route']) {
      const res = await post(path, '{"broken', json);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code, path).toBe('NOT_FOUND');
    }
    const get = await fetch(`${base}/no/such/route`);
    expect(get.status).toBe(404);
    expect(await get.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('GET / is a small page linking GraphiQL, the dashboard and the docs; JSON when asked', async () => {
    const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    for (const link of ['href="/graphql"', 'href="/dashboard"', 'docs/walkthrough.md', 'README.md'])
      expect(html).toContain(link);
    const index = await fetch(`${base}/`, { headers: { accept: 'application/json' } });
    expect(await index.json()).toMatchObject({
      name: 'kabar',
      links: { graphql: '/graphql', dashboard: '/dashboard' },
      docs: expect.arrayContaining(['docs/walkthrough.md']),
    });
  });
});
