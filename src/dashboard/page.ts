/**
 * The dashboard's page. Its script and styles are files next to it (public/), served by Kabar,
 * so it needs no CDN; everything the API returns is written with textContent, never as HTML.
 */
export function dashboardHtml(graphqlPath: string): string {
  const endpoint = graphqlPath.replace(/[^\w/.-]/g, '');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <meta name="color-scheme" content="light dark" />
  <meta name="kabar-graphql" content="${endpoint}" />
  <title>Kabar · Live deliveries</title>
  <link rel="icon" href="data:," />
  <link rel="stylesheet" href="./styles.css" />
  <script type="module" src="./app.js"></script>
</head>
<body>
  <a class="skip" href="#main">Skip to content</a>
  <header class="top">
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
  </header>

  <main id="main" tabindex="-1">
    <section id="signin" class="signin" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in to the live dashboard</h1>
      <p class="hint">Paste a bearer token for your organisation (any role). It is kept only in this browser tab and is forgotten when you close it or sign out.</p>
      <form id="signin-form" novalidate>
        <label for="token">Bearer token</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required aria-describedby="signin-error" placeholder="eyJhbGciOi…" />
        <p id="signin-error" class="form-error" role="alert" hidden></p>
        <button type="submit" class="btn btn-primary" id="signin-submit">Sign in</button>
      </form>
    </section>

    <section id="board" class="board" hidden aria-labelledby="board-title">
      <h1 id="board-title" class="visually-hidden">Live deliveries</h1>
      <p id="board-error" class="banner" role="alert" hidden></p>

      <div class="summary">
        <section class="card" aria-labelledby="by-status-title">
          <h2 id="by-status-title">By status</h2>
          <ul class="tiles" id="by-status"></ul>
        </section>
        <section class="card" aria-labelledby="by-channel-title">
          <h2 id="by-channel-title">By channel</h2>
          <ul class="tiles" id="by-channel"></ul>
        </section>
      </div>

      <section class="card" aria-labelledby="list-title">
        <div class="list-head">
          <h2 id="list-title">Deliveries</h2>
          <p class="muted" id="shown" aria-live="polite"></p>
        </div>
        <form class="filters" id="filters" role="search" aria-label="Filter deliveries">
          <div class="field">
            <label for="f-channel">Channel</label>
            <select id="f-channel" name="channel"><option value="">All channels</option></select>
          </div>
          <div class="field">
            <label for="f-status">Status</label>
            <select id="f-status" name="status"><option value="">All statuses</option></select>
          </div>
          <div class="field field-grow">
            <label for="f-event">Event type</label>
            <input id="f-event" name="eventType" type="search" placeholder="e.g. appointment" autocomplete="off" spellcheck="false" />
          </div>
          <button type="reset" class="btn btn-quiet">Clear filters</button>
        </form>
        <div class="table-wrap">
          <table id="deliveries">
            <caption class="visually-hidden">Deliveries, newest first. Activate an event to see its history.</caption>
            <thead>
              <tr><th scope="col">Updated</th><th scope="col">Event</th><th scope="col">Channel</th><th scope="col">Recipient</th><th scope="col">Status</th></tr>
            </thead>
            <tbody id="rows"></tbody>
          </table>
        </div>
        <p class="empty muted" id="empty" hidden>No deliveries yet. New ones appear here as they happen.</p>
        <div class="more"><button type="button" class="btn btn-quiet" id="load-more" hidden>Load older deliveries</button></div>
      </section>
    </section>
  </main>

  <dialog id="details" aria-labelledby="details-title">
    <div class="details-head">
      <h2 id="details-title">Delivery</h2>
      <button type="button" class="btn btn-quiet" id="details-close" aria-label="Close details">Close</button>
    </div>
    <dl class="facts" id="details-facts"></dl>
    <h3>History</h3>
    <ol class="timeline" id="details-history" aria-live="polite"></ol>
    <h3>Message</h3>
    <pre class="body" id="details-body"></pre>
  </dialog>
</body>
</html>`;
}
