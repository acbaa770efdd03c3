import express, { type Router } from 'express';

/** Where a newcomer goes next; the docs are files of the repository (no network needed to name them). */
const LINKS = {
  graphql: '/graphql',
  dashboard: '/dashboard',
  events: '/events',
  health: '/healthz',
  ready: '/readyz',
  metrics: '/metrics',
};
const DOCS = [
  'README.md',
  'docs/walkthrough.md',
  'docs/architecture.md',
  'docs/events.md',
  'docs/operations.md',
  'docs/configuration.md',
];

function homeHtml(): string {
  const li = (href: string, text: string, what: string) => `<li><a href="${href}">${text}</a>: ${what}</li>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kabar</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}</style>
</head><body>
<h1>Kabar</h1>
<p>The notification service of a multi-tenant hospital platform: events in, messages out on WhatsApp, email, SMS and push.</p>
<ul>
${li(LINKS.graphql, 'GraphiQL', 'the GraphQL API, with its documentation in the Docs pane (send a token as <code>{"Authorization": "Bearer …"}</code>)')}
${li(LINKS.dashboard, 'Dashboard', 'live deliveries of a tenant')}
${li(LINKS.health, 'Health', '<code>/healthz</code>, <code>/readyz</code>, <code>/metrics</code>')}
</ul>
<p>Events come in on <code>POST /events</code> (or Kafka). The documentation is in the repository:</p>
<ul>${DOCS.map((d) => `<li><code>${d}</code></li>`).join('')}</ul>
</body></html>`;
}

/** GET /: a small page for a person, JSON for a program (Accept: application/json). */
export function homeRouter(): Router {
  const router = express.Router();
  router.get('/', (req, res) => {
    if (req.accepts(['text/html', 'application/json']) === 'application/json')
      return res.json({ name: 'kabar', links: LINKS, docs: DOCS });
    res.type('html').send(homeHtml());
  });
  return router;
}
