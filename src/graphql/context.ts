import DataLoader from 'dataloader';
import type { Auth } from '../auth/jwt.js';
import type { App } from '../app.types.js';
import { ForbiddenError, type KabarError, NotFoundError, UnauthenticatedError } from '../domain-errors.js';
import { isId } from '../validation.js';
import { withPlatform, withTenant, type PlatformScope, type TenantContext, type TenantScope } from '../db/tenant.js';
import { historyFor, type HistoryRow } from '../services/deliveries.service.js';
import { bookingReferences } from '../services/delivery-export.service.js';

export interface GqlContext {
  app: App;
  auth: Auth | null;
  /** Why there is no `auth` when a token was sent (its reason), or the lookup that failed verifying it. */
  authError?: KabarError;
  loaders: ReturnType<typeof createLoaders>;
}

export function buildContext(app: App, auth: Auth | null, authError?: KabarError): GqlContext {
  const ctx: GqlContext = { app, auth, authError, loaders: undefined as never };
  ctx.loaders = createLoaders(ctx);
  return ctx;
}

// Per-request batching: nested lookups cost one statement per level, whatever the page size.
function createLoaders(ctx: GqlContext) {
  return {
    deliveryHistory: new DataLoader<string, HistoryRow[]>(async (ids) => {
      const byId = await inTenant(ctx, (s) => historyFor(s, ids));
      return ids.map((id) => byId.get(id) ?? []);
    }),
    // Not cached: a subscription's context lives as long as its socket.
    bookingReference: new DataLoader<string, string | null>(
      async (eventIds) => {
        const byId = await inTenant(ctx, (s) => bookingReferences(s, eventIds));
        return eventIds.map((id) => byId.get(id) ?? null);
      },
      { cache: false },
    ),
  };
}

export function requireAuth(ctx: GqlContext): Auth {
  if (!ctx.auth) throw ctx.authError ?? new UnauthenticatedError();
  return ctx.auth;
}

/**
 * The tenant a request acts on: always the token's, unless a PLATFORM_ADMIN names another
 * through an argument the contract marks so.
 */
export function tenantContext(ctx: GqlContext, tenantIdArg?: string | null): TenantContext {
  const auth = requireAuth(ctx);
  if (tenantIdArg && tenantIdArg !== auth.tenantId) {
    if (!auth.roles.includes('PLATFORM_ADMIN'))
      throw new ForbiddenError('Only a platform administrator may name another tenant');
    if (!isId(tenantIdArg)) throw new NotFoundError('Tenant', tenantIdArg);
    return { db: ctx.app.db, actor: auth.sub, tenantId: tenantIdArg };
  }
  if (!auth.tenantId) throw new ForbiddenError('This token belongs to no tenant; this operation needs one');
  return { db: ctx.app.db, actor: auth.sub, tenantId: auth.tenantId };
}

export function inTenant<T>(
  ctx: GqlContext,
  fn: (s: TenantScope) => Promise<T>,
  tenantIdArg?: string | null,
): Promise<T> {
  return withTenant(tenantContext(ctx, tenantIdArg), fn);
}

export function inPlatform<T>(ctx: GqlContext, fn: (s: PlatformScope) => Promise<T>): Promise<T> {
  const auth = requireAuth(ctx);
  return withPlatform({ db: ctx.app.db, actor: auth.sub }, fn);
}

export function isPlatformAdmin(ctx: GqlContext): boolean {
  return !!ctx.auth?.roles.includes('PLATFORM_ADMIN');
}
