import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Response } from 'express';
import { dashboardHtml } from './page.js';

/**
 * The live dashboard: a static page (plain JS module, no build step) that signs in with a bearer
 * token, reads deliveries and the credit balance over GraphQL and follows them over graphql-ws.
 * Everything it loads comes from Kabar itself, so it works offline: the graphql-ws browser client
 * is served from node_modules (its ESM build only has relative imports).
 */
export interface DashboardOptions {
  /** Where GraphQL (HTTP and WebSocket) is served. */
  graphqlPath?: string;
}

const require = createRequire(import.meta.url);
const publicDir = fileURLToPath(new URL('./public/', import.meta.url));

/** graphql-ws's browser entry and the files it imports (relative imports only), by name. */
function graphqlWsClientFiles(): Map<string, string> {
  const pkgFile = require.resolve('graphql-ws/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: Record<string, Record<string, unknown>> };
  const entry = (pkg.exports?.['./client']?.browser as string | undefined) ?? './dist/client.js';
  const files = new Map<string, string>();
  const visit = (path: string) => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (files.has(name)) return;
    const source = readFileSync(path, 'utf8');
    if (/^\s*(?:import|export)\s[^;]*?from\s*['"](?!\.\/)/m.test(source))
      throw new Error(`graphql-ws ${name} has a bare import; the dashboard cannot serve it as is`);
    files.set(name, source);
    for (const m of source.matchAll(/from\s*['"]\.\/([\w.-]+\.js)['"]/g)) visit(join(dirname(path), m[1]!));
  };
  visit(join(dirname(pkgFile), entry));
  return files;
}

// The page may only talk to its own origin (HTTP and WebSocket) and run its own files.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function secure(res: Response): void {
  res.set({
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  });
}

export function dashboardRouter(opts: DashboardOptions = {}): express.Router {
  const graphqlPath = opts.graphqlPath ?? '/graphql';
  const html = dashboardHtml(graphqlPath);
  const vendor = graphqlWsClientFiles();
  const router = express.Router();

  router.use((_req, res, next) => {
    secure(res);
    next();
  });
  router.get('/', (req, res) => {
    // Relative asset URLs need the trailing slash: /dashboard -> /dashboard/.
    const [path, query] = req.originalUrl.split('?', 2) as [string, string | undefined];
    if (!path.endsWith('/')) return res.redirect(301, `${path}/${query ? `?${query}` : ''}`);
    res.set('cache-control', 'no-store').type('html').send(html);
  });
  router.get('/vendor/graphql-ws/:file', (req, res, next) => {
    const source = vendor.get(req.params.file);
    if (source === undefined) return next();
    res.set('cache-control', 'public, max-age=3600').type('text/javascript').send(source);
  });
  router.use(express.static(publicDir, { index: false, cacheControl: true, maxAge: 0, etag: true, fallthrough: true }));
  return router;
}
