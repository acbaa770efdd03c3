import type { GraphQLSchema } from 'graphql';
import type { Verifier } from './auth/jwt.js';
import type { Core } from './core.js';
import type { EventSink } from './ingest.js';
import type { EmitInternal } from './services/dispatch.service.js';

// The API's shape on its own, so that resolvers and routes can name it without importing the
// module that builds the schema from them (an import cycle).

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
