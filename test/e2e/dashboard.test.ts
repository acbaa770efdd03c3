import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenant.js';
import { creditTransactions, deliveries } from '../../src/schema/index.js';
import { seedOperatorBoard } from '../helpers/dashboard-board.js';
import { eventually, platformToken, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleEvent } from '../helpers/events.js';
import { startProviders, type Providers } from '../helpers/providers.js';
import { IN_CI, maySkip, requireAll } from '../helpers/ci.js';

// The live dashboard in a real Chromium: sign in, watch a delivery arrive and change status over
// graphql-ws, open its history; with more than two pages of deliveries, the tiles, reasons and
// cost match the database, and search, export and resend work. Debian's chromium
// (apt-get install -y chromium) drives it.

const CHROMIUM = '/usr/bin/chromium';
const missing = [
  existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install -y chromium)`,
  resolves('playwright-core') ? null : 'playwright-core is not installed (a devDependency: npm install)',
].filter((m): m is string => m !== null);
// Outside CI a machine without Chromium skips (and says so); under CI the test fails instead.
const SKIP = maySkip(missing);
if (SKIP) console.warn(`[dashboard e2e] skipped: ${missing.join('; ')}`);
else if (IN_CI && missing.length) console.error(`[dashboard e2e] CI: failing, not skipping: ${missing.join('; ')}`);

function resolves(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';
const OF_EVENT =
  'query($e: String) { deliveries(first: 10, filter: { eventId: $e }) { edges { node { id channel status providerMessageId } } } }';
const SCREENSHOT = '/tmp/dashboard.png';
/** Dispatch and webhooks are asynchronous: give the page time to catch up. */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 100 });

describe.skipIf(SKIP)(`dashboard in Chromium${SKIP ? ` (skipped: ${missing.join('; ')})` : ''}`, () => {
  let k: TestKabar;
  let p: Providers;
  let t: TestTenant;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireAll(missing);
    const { chromium } = await import('playwright-core');
    p = await startProviders();
    k = await startKabar({ channels: p.channels, env: p.env });
    t = await k.newTenant({ name: 'RS Sehat Sentosa' });
    base = k.url.replace(/\/graphql$/, '');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await k?.stop();
    await p?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      locale: 'en-GB',
      timezoneId: 'Asia/Jakarta',
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    pageErrors.length = 0;
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    // Offline: anything that is not Kabar itself would fail the test.
    await page.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
  });
  afterEach(async () => {
    await context?.close();
  });

  async function signIn(token: string) {
    await page.goto(`${base}/dashboard`);
    await page.getByLabel('Bearer token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const row = (id: string) => page.locator(`tr[data-delivery-id="${id}"]`);
  const statusTile = (label: string) => page.locator('#by-status .tile').filter({ hasText: label });
  const channelTile = (label: string) => page.locator('#by-channel .tile').filter({ hasText: label });

  it('rejects a wrong token with a clear sign-in error', async () => {
    await signIn('not-a-real-token');
    const alert = page.locator('#signin-error');
    await poll(() => alert.textContent()).toContain('Sign-in failed: this token was not accepted');
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.isVisible()).toBe(true);
    expect(await page.getByLabel('Bearer token').getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-signin.png'), animations: 'disabled' });
    expect(await page.locator('#board').isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    // A platform token without a tenant is refused too, with its own explanation.
    await signIn(await platformToken());
    await poll(() => alert.textContent()).toContain('does not belong to an organisation');
    expect(pageErrors).toEqual([]);
  });

  it('shows deliveries arriving and changing status live, with counts, filter, balance and history', async () => {
    const response = await page.goto(`${base}/dashboard`);
    expect(response!.headers()['content-security-policy']).toContain("connect-src 'self'");
    expect(page.url()).toBe(`${base}/dashboard/`);
    await page.getByLabel('Bearer token').fill(t.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');
    expect(await page.locator('#tenant-name').textContent()).toContain('RS Sehat Sentosa');
    await poll(() => page.locator('#empty').isVisible()).toBe(true);
    expect(await page.locator('#tz-label').textContent()).toBe('Times in Asia/Jakarta (UTC+07:00)');
    expect(await page.locator('#th-time').textContent()).toBe('Updated (Asia/Jakarta)');
    expect(await page.evaluate(() => sessionStorage.getItem('kabar.dashboard.token'))).toBe(t.admin);

    // A walk-in token is called: Kabar texts the patient (SMS; no push token, so PUSH is skipped).
    const event = sampleEvent('walkin.token_called');
    expect((await k.gql(t.service, PUBLISH, { input: event })).errors).toBeUndefined();
    const sms = await eventually(async () => {
      const res = await k.gql(t.admin, OF_EVENT, { e: event.id });
      const d = res.data.deliveries.edges.map((e: any) => e.node).find((n: any) => n.channel === 'SMS');
      expect(d?.status).toBe('SENT');
      return d as { id: string; providerMessageId: string };
    });
    await poll(() => row(sms.id).locator('.status').textContent()).toBe('Sent');
    expect(await row(sms.id).textContent()).toContain('walkin.token_called');
    expect(await row(sms.id).locator('.channel').textContent()).toBe('SMS');
    await poll(() => statusTile('Sent').locator('.tile-count').textContent()).toBe('1');
    expect(await channelTile('SMS').locator('.tile-count').textContent()).toBe('1');

    // Twilio reports it delivered: the row turns DELIVERED without a reload.
    expect((await p.sms.sendStatus(sms.providerMessageId, 'delivered')).status).toBe(200);
    await poll(() => row(sms.id).locator('.status').textContent()).toBe('Delivered');
    await poll(() => statusTile('Delivered').locator('.tile-count').textContent()).toBe('1');
    expect(await statusTile('Sent').locator('.tile-count').textContent()).toBe('0');

    // The credit balance follows purchases live.
    const platform = await platformToken();
    const req = await k.gql(t.admin, 'mutation { requestCreditPurchase(amount: "250000") { id } }');
    await k.gql(platform, 'mutation($id: ID!) { confirmCreditPurchase(id: $id) { status } }', {
      id: req.data.requestCreditPurchase.id,
    });
    await poll(() => page.locator('#balance').getAttribute('data-amount')).toMatch(/^250000(\.0+)?$/);
    expect(await page.locator('#balance').textContent()).toMatch(/250[,.]000/);

    // An appointment completed: one email, for a fuller board.
    const visit = sampleEvent('appointment.completed');
    expect((await k.gql(t.service, PUBLISH, { input: visit })).errors).toBeUndefined();
    const email = await eventually(async () => {
      const d = (await k.gql(t.admin, OF_EVENT, { e: visit.id })).data.deliveries.edges[0]?.node;
      expect(d?.status).toBe('SENT');
      return d as { id: string };
    });
    await poll(() => row(email.id).locator('.status').textContent()).toBe('Sent');
    await poll(() => channelTile('Email').locator('.tile-count').textContent()).toBe('1');

    // Filters, applied by the server: by channel, by event type, and back.
    await page.getByLabel('Channel', { exact: true }).selectOption('EMAIL');
    await poll(() => row(sms.id).count()).toBe(0);
    expect(await row(email.id).isVisible()).toBe(true);
    await page.getByLabel('Channel', { exact: true }).selectOption('SMS');
    await poll(() => row(sms.id).isVisible()).toBe(true);
    await page.getByLabel('Event type', { exact: true }).selectOption('appointment.completed');
    await poll(() => page.locator('#empty').isVisible()).toBe(true);
    expect(await page.locator('#empty').textContent()).toContain('No delivery matches');
    await page.getByLabel('Event type', { exact: true }).selectOption('walkin.token_called');
    await poll(() => row(sms.id).isVisible()).toBe(true);
    await page.getByLabel('Status', { exact: true }).selectOption('DELIVERED');
    await poll(() => statusTile('Delivered').getAttribute('aria-pressed')).toBe('true');
    expect(await row(sms.id).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await poll(() => row(email.id).isVisible()).toBe(true);
    // The total is the database's (this tenant's deliveries are all from today).
    const all = (await k.gql(t.admin, 'query { deliveries { totalCount } }')).data.deliveries.totalCount;
    await poll(() => page.locator('#total').textContent()).toBe(String(all));
    await page.screenshot({ path: SCREENSHOT, fullPage: true, animations: 'disabled' });

    // Its history, on click.
    await row(sms.id).getByRole('button', { name: 'walkin.token_called' }).click();
    const dialog = page.getByRole('dialog');
    await poll(() => dialog.locator('#details-history li').allTextContents()).toHaveLength(3);
    const history = await dialog.locator('#details-history li .status').allTextContents();
    expect(history).toEqual(['Queued', 'Sent', 'Delivered']);
    expect(await dialog.textContent()).toContain(sms.providerMessageId);
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-details.png'), animations: 'disabled' });
    await page.keyboard.press('Escape');
    expect(await dialog.isVisible()).toBe(false);

    // The session survives a reload (sessionStorage), and sign-out forgets it.
    await page.reload();
    await poll(() => row(sms.id).locator('.status').textContent()).toBe('Delivered');
    await poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');
    // Narrow screens get the same content, rows as cards.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await row(sms.id).locator('.status').isVisible()).toBe(true);
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-mobile.png'), fullPage: true, animations: 'disabled' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.getByLabel('Bearer token').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('kabar.dashboard.token'))).toBeNull();
    expect(pageErrors).toEqual([]);
  });

  it('shows the connection state and reconnects, catching up on what it missed', async () => {
    // The page's WebSockets go through Playwright, which can cut them and refuse new ones.
    const sockets: WebSocketRoute[] = [];
    let down = false;
    await page.routeWebSocket(/\/graphql$/, (ws) => {
      if (down) return ws.close({ code: 1013, reason: 'Try Again Later' });
      ws.connectToServer();
      sockets.push(ws);
    });
    await signIn(t.support);
    await poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');
    // Resending is a TENANT_ADMIN's: a support token sees no resend control.
    expect(await page.locator('#resend-all').isHidden()).toBe(true);
    expect(await page.locator('[data-action="resend"]').count()).toBe(0);

    down = true;
    await Promise.all(sockets.map((ws) => ws.close({ code: 1012, reason: 'Service Restart' })));
    await poll(() => page.locator('#conn').getAttribute('data-state')).toBe('reconnecting');
    expect(await page.locator('#conn').textContent()).toMatch(/Reconnecting|Connection lost/);

    // A delivery happens while the page is cut off: no live message will ever carry it.
    const event = sampleEvent('appointment.completed');
    expect((await k.gql(t.service, PUBLISH, { input: event })).errors).toBeUndefined();
    const email = await eventually(async () => {
      const d = (await k.gql(t.admin, OF_EVENT, { e: event.id })).data.deliveries.edges[0]?.node;
      expect(d?.status).toBe('SENT');
      return d as { id: string };
    });
    expect(await row(email.id).count()).toBe(0);

    down = false;
    await poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');
    await poll(() => row(email.id).locator('.status').textContent()).toBe('Sent');
    expect(pageErrors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
  });

  it('tells the truth past two pages: tiles, reasons and cost from the database; search, export and resend', async () => {
    const op = await k.newTenant({ name: 'RS Operator', timezone: 'Asia/Jakarta' });
    const resendId = await seedOperatorBoard(k.app.db, op.id);
    // What the database says for today (the seeds are from now, 3 and 10 days ago).
    const counted = await withTenant({ db: k.app.db, actor: 'test', tenantId: op.id }, async (s) => {
      const today = sql`${deliveries.createdAt} > now() - interval '36 hours'`;
      const by = async (col: any) =>
        Object.fromEntries(
          (await s.tx.select({ k: col, n: sql<number>`count(*)::int` }).from(deliveries).where(today).groupBy(col)).map(
            (r) => [r.k, r.n],
          ),
        );
      const reasons = await s.tx
        .select({
          k: sql<string>`btrim(split_part(split_part(${deliveries.reason}, ':', 1), ' (', 1))`,
          n: sql<number>`count(*)::int`,
        })
        .from(deliveries)
        .where(sql`${today} and ${deliveries.status} in ('SKIPPED', 'FAILED')`)
        .groupBy(sql`1`);
      const [cost] = await s.tx
        .select({ net: sql<string>`(-sum(${creditTransactions.amount}))::text` })
        .from(creditTransactions)
        .where(
          sql`${creditTransactions.deliveryId} in (select id from deliveries where ${today} and channel = 'WHATSAPP')`,
        );
      const [week] = await s.tx
        .select({ n: sql<number>`count(*)::int` })
        .from(deliveries)
        .where(sql`${deliveries.createdAt} > now() - interval '8 days'`);
      return {
        status: await by(deliveries.status),
        channel: await by(deliveries.channel),
        reasons: Object.fromEntries(reasons.map((r) => [r.k, r.n])),
        cost: cost!.net,
        week: week!.n,
      };
    });
    const today = Object.values(counted.status).reduce((a: number, b: any) => a + b, 0);
    expect(today).toBe(101);

    await signIn(op.admin);
    await poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');
    await poll(() => page.locator('#total').textContent()).toBe(String(today));
    for (const [value, label] of [
      ['QUEUED', 'Queued'],
      ['SENT', 'Sent'],
      ['DELIVERED', 'Delivered'],
      ['READ', 'Read'],
      ['FAILED', 'Failed'],
      ['SKIPPED', 'Skipped'],
    ]) {
      expect(await statusTile(label).locator('.tile-count').textContent(), value).toBe(
        String(counted.status[value!] ?? 0),
      );
    }
    for (const [value, label] of [
      ['WHATSAPP', 'WhatsApp'],
      ['EMAIL', 'Email'],
      ['SMS', 'SMS'],
      ['PUSH', 'Push'],
    ]) {
      expect(await channelTile(label).locator('.tile-count').textContent(), value).toBe(
        String(counted.channel[value!] ?? 0),
      );
    }
    expect(Number(await page.locator('#cost').getAttribute('data-amount'))).toBe(Number(counted.cost));
    expect(await page.locator('#cost').textContent()).toMatch(/IDR|Rp/);
    const reasons = Object.fromEntries(
      await page
        .locator('#by-reason .reason-row')
        .evaluateAll((els) =>
          els.map((e) => [
            e.querySelector('.reason-key')!.textContent,
            Number(e.querySelector('.reason-count')!.textContent),
          ]),
        ),
    );
    expect(reasons).toEqual(counted.reasons);

    // More than two pages: 50 at a time, until every one of today's is loaded.
    expect(await page.locator('#rows tr').count()).toBe(50);
    while (await page.locator('#load-more').isVisible()) {
      const before = await page.locator('#rows tr').count();
      await page.locator('#load-more').click();
      await poll(() => page.locator('#rows tr').count()).toBeGreaterThan(before);
    }
    expect(await page.locator('#rows tr').count()).toBe(today);
    expect(await page.locator('#shown').textContent()).toBe(`${today} loaded · ${today} match`);

    // The reasons breakdown filters: one reason, its deliveries only.
    await page.locator('#by-reason .reason-row').filter({ hasText: 'OPTED_OUT' }).click();
    await poll(() => page.locator('#total').textContent()).toBe(String(counted.reasons.OPTED_OUT));
    await poll(() => page.locator('#rows tr').count()).toBe(counted.reasons.OPTED_OUT);
    expect(await page.locator('#f-reason-chip').isVisible()).toBe(true);
    await page.locator('#f-reason-chip').click();
    await poll(() => page.locator('#total').textContent()).toBe(String(today));

    // The 7-day window counts the older ones too.
    await page.getByLabel('Period', { exact: true }).selectOption('7d');
    await poll(() => page.locator('#total').textContent()).toBe(String(counted.week));
    await page.getByLabel('Period', { exact: true }).selectOption('today');

    // Search by booking reference: the event's two deliveries, each row saying who it is about.
    await page.getByLabel('Search', { exact: true }).fill('BK-E2E-1');
    await poll(() => page.locator('#rows tr').count()).toBe(2);
    expect(await page.locator('#rows tr .about').allTextContents()).toEqual([
      'Patient pat-booked · Booking BK-E2E-1',
      'Patient pat-booked · Booking BK-E2E-1',
    ]);
    expect(await page.locator('#total').textContent()).toBe('2');

    // Export what is shown: the server streams it; the rows are exactly the matches.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(csv[0]).toMatch(/^time \(Asia\/Jakarta\),event type,event id,patient id,booking reference,/);
    expect(csv.slice(1).map((l) => l.split(',')[4])).toEqual(['BK-E2E-1', 'BK-E2E-1']);
    await page.getByLabel('Search', { exact: true }).fill('');
    await poll(() => page.locator('#total').textContent()).toBe(String(today));
    const all = await fetch(
      `${base}/deliveries.csv?filter=${encodeURIComponent(JSON.stringify({ since: new Date(Date.now() - 8 * 86_400_000).toISOString() }))}`,
      { headers: { authorization: `Bearer ${op.support}` } },
    );
    expect((await all.text()).trim().split('\r\n')).toHaveLength(1 + counted.week);

    // Resend a skipped one: it is queued again and sent, and the tiles follow.
    await row(resendId).getByRole('button', { name: 'Resend' }).click();
    await poll(() => row(resendId).locator('.status').textContent()).toMatch(/^(Queued|Sent)$/);
    await poll(() => statusTile('Skipped').locator('.tile-count').textContent()).toBe(
      String(counted.status.SKIPPED - 1),
    );
    await poll(() => row(resendId).locator('.status').textContent()).toBe('Sent');
    expect(await page.locator('#notice').textContent()).toContain('Resent');
    // The bulk button asks first, with the number it would resend.
    await page.locator('#resend-all').click();
    expect(await page.locator('#resend-all').textContent()).toBe(
      `Confirm: resend ${counted.status.SKIPPED - 1 + counted.status.FAILED}`,
    );
    await page.screenshot({
      path: SCREENSHOT.replace('.png', '-operator.png'),
      fullPage: true,
      animations: 'disabled',
    });
    expect(pageErrors).toEqual([]);
  });
});
