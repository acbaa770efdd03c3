import { sql } from 'drizzle-orm';
import { causes, ConflictError, ErrorCode, KabarError } from '../domain-errors.js';
import { DeferredWrites, type AtCommit, type Send } from './at-commit.js';
import type { DbHandle, Transaction } from './db-client.js';

declare const tenantBrand: unique symbol;
declare const platformBrand: unique symbol;
/** A transaction running as kabar_app with app.tenant_id set: RLS limits it to one tenant. */
export type TenantTx = Transaction & { readonly [tenantBrand]: true };
/** A transaction running as kabar_platform: sees only the platform-wide tables' rows. */
export type PlatformTx = Transaction & { readonly [platformBrand]: true };

interface BaseScope {
  /** JWT subject, or "system" for Kabar's own work. Recorded in the audit log. */
  readonly actor: string;
  /** Runs after a successful commit (publishing events must never announce a rolled-back change). */
  afterCommit(fn: () => void | Promise<void>): void;
  /**
   * Writes that go out with the COMMIT, in this transaction (audit rows, status history, a
   * balance update): one round trip for the unit's end. Nothing the unit reads sees them.
   */
  readonly atCommit: AtCommit;
}
export interface TenantScope extends BaseScope {
  readonly tx: TenantTx;
  readonly tenantId: string;
}
export interface PlatformScope extends BaseScope {
  readonly tx: PlatformTx;
}

export interface ScopeContext {
  db: DbHandle;
  actor: string;
}
export interface TenantContext extends ScopeContext {
  tenantId: string;
}

/** The one way into tenant data: a transaction whose role and tenant make RLS hold. */
export async function withTenant<T>(ctx: TenantContext, fn: (scope: TenantScope) => Promise<T>): Promise<T> {
  return run(ctx, 'kabar_app', ctx.tenantId, (tx, hooks) =>
    fn({ tx: tx as TenantTx, tenantId: ctx.tenantId, actor: ctx.actor, ...hooks }),
  );
}

/** Platform-wide work (tenants, prices, cross-tenant purchase lookups); no tenant is set. */
export async function withPlatform<T>(ctx: ScopeContext, fn: (scope: PlatformScope) => Promise<T>): Promise<T> {
  return run(ctx, 'kabar_platform', '', (tx, hooks) => fn({ tx: tx as PlatformTx, actor: ctx.actor, ...hooks }));
}

type Hook = () => void | Promise<void>;
type Hooks = Pick<BaseScope, 'afterCommit' | 'atCommit'>;

async function run<T>(
  ctx: ScopeContext,
  role: 'kabar_app' | 'kabar_platform',
  tenantId: string,
  fn: (tx: Transaction, hooks: Hooks) => Promise<T>,
): Promise<T> {
  const hooks: Hook[] = [];
  const atCommit = new DeferredWrites();
  // PGlite cannot pipeline: what sendNow hands it is awaited before the unit goes on.
  const waits = ctx.db.kind === 'pglite';
  let result: T;
  // The first pipelined statement to fail. Statements queued after it on the connection fail with
  // "current transaction is aborted" (25P02), which says nothing: its error is the one to throw.
  let firstFailure: unknown;
  const track = (p: Promise<unknown>) => {
    p.catch((err) => void (firstFailure ??= err));
    return p;
  };
  try {
    const sent: Promise<unknown>[] = [];
    result = await ctx.db.db.transaction(async (tx) => {
      // `role` is an ordinary setting, so set_config switches it locally. The switch shares a
      // write with the unit's first statement, and runs before it.
      const switched = track(
        ctx.db.sendNow(
          tx,
          sql`select set_config('role', ${role}, true), set_config('app.tenant_id', ${tenantId}, true)`,
        ),
      );
      sent.push(switched);
      if (waits) await switched;
      const out = await fn(tx, { afterCommit: (h) => void hooks.push(h), atCommit });
      // Deferred writes, in the order they were queued, handed over without waiting: the COMMIT
      // follows them on the connection, so the unit's end costs one round trip. A unit that read
      // nothing (the providers' answers) does not wait for the role switch either: switch, writes
      // and COMMIT leave in one write, and a failed switch shows after the COMMIT like the rest.
      let chain: Promise<unknown> = Promise.resolve();
      const send: Send = (q) => {
        const answer = track(waits ? (chain = chain.then(() => ctx.db.sendNow(tx, q))) : ctx.db.sendNow(tx, q));
        sent.push(answer);
        return answer;
      };
      atCommit.flush(send);
      if (waits) await chain;
      return out;
    });
    // PostgreSQL answers the COMMIT of a transaction a failed statement aborted with a rollback,
    // not an error: the failure shows here, and nothing of the unit was kept.
    await Promise.all(sent);
  } catch (err) {
    throw translateDbError(
      pgErrorCode(err) === IN_FAILED_TRANSACTION && firstFailure !== undefined ? firstFailure : err,
    );
  }
  for (const hook of hooks) await hook();
  return result;
}

/** "current transaction is aborted, commands ignored until end of transaction block". */
const IN_FAILED_TRANSACTION = '25P02';

/** The Postgres SQLSTATE of an error, looking through driver and drizzle wrappers. */
export function pgErrorCode(err: unknown): string | undefined {
  const code = causes(err).find((e) => typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code))?.code;
  return code as string | undefined;
}

function isConnectionError(err: unknown): boolean {
  const lost = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|CONNECTION_|08|57P0)/;
  return causes(err).some((e) => typeof e.code === 'string' && lost.test(e.code));
}

function translateDbError(err: unknown): unknown {
  if (err instanceof KabarError) return err;
  if (pgErrorCode(err) === '23505') return new ConflictError('A record with the same key already exists');
  if (isConnectionError(err)) {
    return new KabarError(ErrorCode.SERVICE_UNAVAILABLE, 'The database is unavailable; try again shortly');
  }
  return err;
}
