import { createVerifier } from './auth/jwt.js';
import type { App } from './app.types.js';
import { embeddedSecret, type Core } from './core.js';
import { withPlatform } from './db/tenant.js';
import { createSchema } from './graphql/graphql-schema.js';
import type { EventSink } from './ingest.js';
import type { EmitInternal } from './services/dispatch.service.js';
import { findTenant } from './services/tenants.service.js';

export type { App } from './app.types.js';

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
