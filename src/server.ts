import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { bearer, type Auth } from './auth/jwt.js';
import { tokenRefused } from './auth/token-problem.js';
import type { App } from './app.js';
import { KabarError, UnauthenticatedError } from './domain-errors.js';
import { buildContext, type GqlContext } from './graphql/context.js';
import { formatError, inputErrorsPlugin } from './graphql/graphql-errors.js';
import { graphiqlHtml } from './graphql/graphiql.js';
import { limitRules } from './graphql/limit-rules.js';
import { graphqlLimits, type GraphQLLimits } from './graphql/limits.js';
import { costPlugin } from './graphql/query-cost.js';
import { graphqlBodyGuards, prepareWsOperation } from './graphql/request-guards.js';
import { eventsRouter } from './http/events.route.js';
import { exportRouter } from './http/export.route.js';
import { webhooksRouter } from './http/webhooks.route.js';
import { healthRouter } from './http/health.route.js';
import { jsonErrors, jsonNotFound } from './http/http-errors.js';
import { homeRouter } from './http/home.route.js';
import { metricsRouter } from './http/metrics.route.js';
import { dashboardRouter } from './dashboard/dashboard.route.js';

const require = createRequire(import.meta.url);
const assetDir = (pkg: string) => dirname(require.resolve(`${pkg}/package.json`));

export interface RunningServer {
  http: Server;
  url: string;
  stop(): Promise<void>;
}

/** No header: anonymous (the resolver decides). A header that is no bearer token: MALFORMED. */
async function authenticate(app: App, header: unknown): Promise<Auth | null> {
  if (header === undefined || header === null || header === '') return null;
  const token = bearer(header);
  if (!token) throw tokenRefused('MALFORMED');
  return app.verify(token);
}

/** GraphQL over HTTP and graphql-ws subscriptions on one server, one port, one path. */
export interface ServerOptions {
  /** How SNS signing certificates are fetched (tests serve their own). */
  snsFetchCert?: (url: string) => Promise<string>;
}

export async function startServer(
  app: App,
  port = app.config.PORT,
  host = app.config.HOST,
  opts: ServerOptions = {},
): Promise<RunningServer> {
  const web = express();
  web.disable('x-powered-by');
  const http = createServer(web);
  const limits = graphqlLimits(app.config);
  const ws = subscriptionServer(app, http, limits);
  const apollo = apolloServer(app, http, limits, ws);
  await apollo.start();

  // GraphiQL, served from node_modules so it works offline.
  web.use('/graphiql/graphiql', express.static(assetDir('graphiql'), { maxAge: '1h' }));
  web.use('/graphiql/react', express.static(`${assetDir('react')}/umd`, { maxAge: '1h' }));
  web.use('/graphiql/react-dom', express.static(`${assetDir('react-dom')}/umd`, { maxAge: '1h' }));
  web.get('/graphql', (req, res, next) =>
    req.accepts(['application/json', 'text/html']) === 'text/html' ? res.type('html').send(graphiqlHtml()) : next(),
  );

  web.use(
    '/graphql',
    ...graphqlBodyGuards(limits),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        try {
          return buildContext(app, await authenticate(app, req.headers.authorization));
        } catch (err) {
          // An invalid token gets a GraphQL answer (UNAUTHENTICATED with its reason, from the auth
          // checker), not a 500; so does a failed tenant lookup (SERVICE_UNAVAILABLE).
          if (err instanceof KabarError) return buildContext(app, null, err);
          throw err;
        }
      },
    }),
  );

  web.use('/webhooks', webhooksRouter(app, opts.snsFetchCert));
  web.use('/events', eventsRouter(app));
  web.use('/deliveries.csv', exportRouter(app));
  web.use(healthRouter(app), metricsRouter());
  web.use('/dashboard', dashboardRouter());
  web.use(homeRouter());
  // Last: unknown paths and unreadable bodies answer JSON with a stable code, never an HTML stack trace.
  web.use(jsonNotFound);
  web.use(jsonErrors(app.logger));

  await new Promise<void>((resolve) => http.listen(port, host, resolve));
  const address = http.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${actualPort}/graphql`;
  return {
    http,
    url,
    stop: async () => {
      await apollo.stop();
    },
  };
}

/** graphql-ws on the same port and path as HTTP. */
function subscriptionServer(app: App, http: Server, limits: GraphQLLimits) {
  const wss = new WebSocketServer({ server: http, path: '/graphql', maxPayload: limits.maxBodyBytes });
  return useServer<Record<string, unknown>, { ctx?: GqlContext }>(
    {
      schema: app.schema,
      // The token is checked once, when the socket opens; a bad one closes it (4403).
      // The close reason names why (4403 "Forbidden: EXPIRED"), as extensions.reason does over HTTP.
      onConnect: async (c) => {
        let reason = 'MISSING';
        try {
          const header = c.connectionParams?.authorization ?? c.connectionParams?.Authorization;
          c.extra.ctx = buildContext(app, await authenticate(app, header));
          if (c.extra.ctx.auth) return true;
        } catch (err) {
          if (err instanceof UnauthenticatedError) reason = err.reason;
          else reason = err instanceof KabarError ? err.code : 'INTERNAL_SERVER_ERROR';
        }
        c.extra.socket.close(4403, `Forbidden: ${reason}`);
        return false;
      },
      context: (c) => c.extra.ctx!,
      // Same token limit, validation rules and cost as over HTTP.
      onSubscribe: (_c, _id, payload) => prepareWsOperation(app.schema, payload, limits),
    },
    wss,
  );
}

function apolloServer(app: App, http: Server, limits: GraphQLLimits, ws: { dispose(): unknown }) {
  return new ApolloServer<GqlContext>({
    schema: app.schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    // Apollo turns introspection off under NODE_ENV=production (the image); GraphiQL's Docs pane needs it.
    introspection: true,
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: limitRules(limits),
    // Kabar's own shutdown (src/start.ts) drains work in order; Apollo's handlers would race it.
    stopOnTerminationSignals: false,
    // Compact JSON: pretty-printing every response cost ~11% of the API's CPU (bench/).
    stringifyResult: (value) => JSON.stringify(value),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: http }),
      ApolloServerPluginLandingPageDisabled(),
      // Kabar sets no cache hints; the default plugin wrapped every field resolver for nothing.
      ApolloServerPluginCacheControlDisabled(),
      costPlugin(limits),
      inputErrorsPlugin(),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await ws.dispose();
            },
          };
        },
      },
    ],
  });
}
