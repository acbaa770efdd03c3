import type { GraphQLSchema } from 'graphql';
import { createVerifier, type Verifier } from './auth/jwt.js';
import { embeddedSecret, type Core } from './core.js';
import { withPlatform } from './db/tenant.js';
import { createSchema } from './graphql/graphql-schema.js';
import type { EventSink } from './ingest.js';
import type { EmitInternal } from './services/dispatch.service.js';
import { findTenant } from './services/tenants.service.js';

/** The API's world (GraphQL and HTTP): the core, and what only requests need. */
export interface App extends Core {
  verify: Verifier;
  jwtSecret: string | undefined;
  schema: GraphQLSchema;
  /** Where accepted events go: Kafka in servers mode, the in-process dispatcher in embedded mode. */
  sink: EventSink;
  /** Dispatches one of Kabar's own events (credit.purchase_status…) in this process. */
  emitInternal: EmitInternal;
}

/** What the API hands events to; the runtime builds them first (src/runtime.ts). */
export interface ApiCollaborators {
  sink: EventSink;
  emitInternal: EmitInternal;
}

/** The API role: token verification and the GraphQL schema, over the core and its collaborators. */
export async function createApp(core: Core, collaborators: ApiCollaborators): Promise<App> {
  const { config, db } = core;
  const generated = config.embedded && !config.KABAR_JWKS_URL;
  const jwtSecret = config.KABAR_JWT_SECRET ?? (generated ? embeddedSecret(config, 'jwt.secret') : undefined);
  // A token must name a tenant that exists (looked up once per tenant).
  const tenantExists = async (id: string) => !!(await withPlatform({ db, actor: 'system' }, (s) => findTenant(s, id)));
  const verify = createVerifier({
    secret: jwtSecret,
    jwksUrl: config.KABAR_JWKS_URL,
    issuer: config.KABAR_JWT_ISSUER,
    audience: config.KABAR_JWT_AUDIENCE,
    tenantExists,
  });
  const schema = await createSchema(core.bus);
  return { ...core, verify, jwtSecret, schema, sink: collaborators.sink, emitInternal: collaborators.emitInternal };
}
