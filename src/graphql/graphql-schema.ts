import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, type AuthChecker } from 'type-graphql';
import type { Bus } from '../events/bus.js';
import { UnauthenticatedError } from '../domain-errors.js';
import { AuditResolver } from '../resolvers/audit.resolver.js';
import { CreditsResolver } from '../resolvers/credits.resolver.js';
import { DeliveriesResolver } from '../resolvers/deliveries.resolver.js';
import { DeliveryStatsResolver } from '../resolvers/delivery-stats.resolver.js';
import { EventChannelsResolver } from '../resolvers/event-channels.resolver.js';
import { EventsResolver } from '../resolvers/events.resolver.js';
import { FallbacksResolver } from '../resolvers/fallbacks.resolver.js';
import { PreferencesResolver } from '../resolvers/preferences.resolver.js';
import { PricingResolver } from '../resolvers/pricing.resolver.js';
import { ReferenceDataResolver } from '../resolvers/reference-data.resolver.js';
import { RoutingResolver } from '../resolvers/routing.resolver.js';
import { StaffResolver } from '../resolvers/staff.resolver.js';
import { TemplatesResolver } from '../resolvers/templates.resolver.js';
import { TenantResolver } from '../resolvers/tenants.resolver.js';
import { ViewerResolver } from '../resolvers/viewer.resolver.js';
import { WhatsAppResolver } from '../resolvers/whatsapp.resolver.js';
import type { GqlContext } from './context.js';

/** No token: UNAUTHENTICATED. A token without one of the roles: FORBIDDEN (type-graphql's, mapped in errors.ts). */
const authChecker: AuthChecker<GqlContext> = ({ context }, roles) => {
  if (!context.auth) throw context.authError ?? new UnauthenticatedError();
  return roles.length === 0 || roles.some((r) => context.auth!.roles.includes(r as never));
};

export const RESOLVERS = [
  TenantResolver,
  ReferenceDataResolver,
  WhatsAppResolver,
  PricingResolver,
  CreditsResolver,
  StaffResolver,
  RoutingResolver,
  EventChannelsResolver,
  FallbacksResolver,
  TemplatesResolver,
  DeliveriesResolver,
  DeliveryStatsResolver,
  AuditResolver,
  EventsResolver,
  PreferencesResolver,
  ViewerResolver,
] as const;

/** The root types' descriptions (type-graphql has no option for them): GraphiQL's Docs pane opens on these. */
const ROOTS = {
  Query:
    'Reads. Every operation needs a bearer token (Authorization: Bearer <JWT>) and acts on its tenant; each says which roles may call it.',
  Mutation:
    'Changes, each audited. Every operation needs a bearer token and acts on its tenant; each says which roles may call it.',
  Subscription:
    'Live changes over graphql-ws (graphql-transport-ws) on the same path; the token goes in connectionParams.authorization.',
} as const;

export async function createSchema(bus: Bus): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: RESOLVERS,
    authChecker,
    authMode: 'error',
    pubSub: bus.pubSub as never,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
    emitSchemaFile: false,
  });
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (type && !type.description) type.description = ROOTS[type.name as keyof typeof ROOTS];
  }
  return schema;
}
