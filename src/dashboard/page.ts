/**
 * The dashboard's page. Its script and styles are files next to it (public/), served by Kabar,
 * so it needs no CDN; everything the API returns is written with textContent, never as HTML.
 */
export function dashboardHtml(graphqlPath: string, exportPath = '/deliveries.csv'): string {
  const endpoint = graphqlPath.replace(/[^\w/.-]/g, '');
  const exportEndpoint = exportPath.replace(/[^\w/.-]/g, '');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <meta name="color-scheme" content="light dark" />
  <meta name="kabar-graphql" content="${endpoint}" />
  <meta name="kabar-export" content="${exportEndpoint}" />
  <title>Kabar · Live deliveries</title>
  <link rel="icon" href="data:," />
  <link rel="stylesheet" href="./styles.css" />
  <script type="module" src="./app.js"></script>
</head>
<body>
  <a class="skip" href="#main">Skip to content</a>
${HEADER}

  <main id="main" tabindex="-1">
${SIGN_IN}

${BOARD}
  </main>

${DETAILS}
</body>
</html>`;
}

const HEADER = `  <header class="top">
    <div class="brand">
      <span class="logo" aria-hidden="true">K</span>
      <div>
        <p class="brand-name">Kabar</p>
        <p class="brand-sub" id="tenant-name">Live deliveries</p>
      </div>
    </div>
    <div class="top-right" id="session-bar" hidden>
      <p class="conn" id="conn" role="status" data-state="offline"><span class="dot" aria-hidden="true"></span><span id="conn-text">Not connected</span></p>
      <p class="balance" aria-live="polite">
        <span class="balance-label">Credit</span>
        <span class="balance-value" id="balance">—</span>
      </p>
      <button type="button" class="btn btn-quiet" id="sign-out">Sign out</button>
    </div>
  </header>`;

const SIGN_IN = `    <section id="signin" class="signin" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in to the live dashboard</h1>
      <p class="hint">Paste a bearer token for your organisation (any role). It is kept only in this browser tab and is forgotten when you close it or sign out.</p>
      <form id="signin-form" novalidate>
        <label for="token">Bearer token</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required aria-describedby="signin-error" placeholder="eyJhbGciOi…" />
        <p id="signin-error" class="form-error" role="alert" hidden></p>
        <button type="submit" class="btn btn-primary" id="signin-submit">Sign in</button>
      </form>
    </section>`;

const BOARD = `    <section id="board" class="board" hidden aria-labelledby="board-title">
      <h1 id="board-title" class="visually-hidden">Live deliveries</h1>
      <p id="board-error" class="banner" role="alert" hidden></p>

      <p id="notice" class="notice" role="status" aria-live="polite"></p>

      <form class="filters card" id="filters" role="search" aria-label="Filter deliveries">
        <div class="field">
          <label for="f-period">Period</label>
          <select id="f-period" name="period">
            <option value="today">Today</option>
            <option value="7d">Last 7 days</option>
            <option value="custom">Custom dates</option>
            <option value="all">All time</option>
          </select>
        </div>
        <div class="custom-period" id="custom-period" hidden>
          <div class="field"><label for="f-from">From</label><input id="f-from" name="from" type="date" /></div>
          <div class="field"><label for="f-to">To</label><input id="f-to" name="to" type="date" /></div>
        </div>
        <div class="field field-grow">
          <label for="f-search">Search</label>
          <input id="f-search" name="search" type="search" placeholder="Recipient, patient id, booking reference or event id" autocomplete="off" spellcheck="false" />
        </div>
        <div class="field">
          <label for="f-channel">Channel</label>
          <select id="f-channel" name="channel"><option value="">All channels</option></select>
        </div>
        <div class="field">
          <label for="f-status">Status</label>
          <select id="f-status" name="status"><option value="">All statuses</option></select>
        </div>
        <div class="field">
          <label for="f-event">Event type</label>
          <select id="f-event" name="eventType"><option value="">All event types</option></select>
        </div>
        <button type="button" class="chip" id="f-reason-chip" hidden title="Show every reason">Reason: <span id="f-reason-text"></span> <span aria-hidden="true">×</span><span class="visually-hidden">(remove)</span></button>
        <button type="reset" class="btn btn-quiet">Clear filters</button>
        <p class="muted tz" id="tz-label"></p>
      </form>

      <div class="summary">
        <section class="card" aria-labelledby="totals-title">
          <h2 id="totals-title">Matching deliveries</h2>
          <div class="totals">
            <p><span class="total-value" id="total">0</span><span class="tile-label">deliveries</span></p>
            <p><span class="total-value" id="cost">—</span><span class="tile-label">WhatsApp cost, net of refunds</span></p>
          </div>
        </section>
        <section class="card" aria-labelledby="by-status-title">
          <h2 id="by-status-title">By status</h2>
          <ul class="tiles" id="by-status"></ul>
        </section>
        <section class="card" aria-labelledby="by-channel-title">
          <h2 id="by-channel-title">By channel</h2>
          <ul class="tiles" id="by-channel"></ul>
        </section>
        <section class="card" aria-labelledby="by-reason-title">
          <h2 id="by-reason-title">Skip and failure reasons</h2>
          <ul class="reasons" id="by-reason"></ul>
        </section>
      </div>

      <section class="card" aria-labelledby="list-title">
        <div class="list-head">
          <h2 id="list-title">Deliveries</h2>
          <p class="muted" id="shown" aria-live="polite"></p>
          <div class="list-actions">
            <button type="button" class="btn" id="export" title="Every delivery that matches, as CSV">Export CSV</button>
            <button type="button" class="btn" id="resend-all" data-admin-only hidden>Resend skipped and failed</button>
          </div>
        </div>
        <div class="table-wrap">
          <table id="deliveries">
            <caption class="visually-hidden">Deliveries, newest first. Activate an event to see its history.</caption>
            <thead>
              <tr><th scope="col" id="th-time">Updated</th><th scope="col">Event</th><th scope="col">Channel</th><th scope="col">Recipient</th><th scope="col">Status</th><th scope="col" data-admin-only hidden><span class="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody id="rows"></tbody>
          </table>
        </div>
        <p class="empty muted" id="empty" hidden>No deliveries yet. New ones appear here as they happen.</p>
        <div class="more"><button type="button" class="btn btn-quiet" id="load-more" hidden>Load older deliveries</button></div>
      </section>
    </section>`;

const DETAILS = `  <dialog id="details" aria-labelledby="details-title">
    <div class="details-head">
      <h2 id="details-title">Delivery</h2>
      <button type="button" class="btn btn-quiet" id="details-close" aria-label="Close details">Close</button>
    </div>
    <dl class="facts" id="details-facts"></dl>
    <h3>History</h3>
    <ol class="timeline" id="details-history" aria-live="polite"></ol>
    <h3>Message</h3>
    <pre class="body" id="details-body"></pre>
  </dialog>`;
