import { sql, type SQL } from 'drizzle-orm';
import { ConflictError, ErrorCode, KabarError } from '../errors.js';
import type { DbHandle, Transaction } from './client.js';

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
   * Runs at the end of the unit of work, inside the transaction (batched writes such as audit
   * rows). It must hand every statement to `send` before its first await: they go out with the
   * COMMIT in one round trip.
   */
  beforeCommit(fn: (send: Send) => Promise<unknown>): void;
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
  return run(ctx, 'kabar_app', ctx.tenantId, (tx, hooks) => fn({ tx: tx as TenantTx, tenantId: ctx.tenantId, actor: ctx.actor, ...hooks }));
}

/** Platform-wide work (tenants, prices, cross-tenant purchase lookups); no tenant is set. */
export async function withPlatform<T>(ctx: ScopeContext, fn: (scope: PlatformScope) => Promise<T>): Promise<T> {
  return run(ctx, 'kabar_platform', '', (tx, hooks) => fn({ tx: tx as PlatformTx, actor: ctx.actor, ...hooks }));
}

type Hook = () => void | Promise<void>;
/** Writes a statement at the end of the unit of work (in call order). */
export type Send = (query: SQL) => Promise<unknown>;
type Hooks = Pick<BaseScope, 'afterCommit' | 'beforeCommit'>;

async function run<T>(ctx: ScopeContext, role: 'kabar_app' | 'kabar_platform', tenantId: string, fn: (tx: Transaction, hooks: Hooks) => Promise<T>): Promise<T> {
  const hooks: Hook[] = [];
  const finals: ((send: Send) => Promise<unknown>)[] = [];
  const setup = sql`select set_config('role', ${role}, true), set_config('app.tenant_id', ${tenantId}, true)`;
  const scopeHooks: Hooks = { afterCommit: (h) => void hooks.push(h), beforeCommit: (h) => void finals.push(h) };
  let result: T;
  try {
    result = ctx.db.pipeline
      ? await pipelined(ctx.db.pipeline, setup, (tx) => fn(tx, scopeHooks), finals)
      : await ctx.db.db.transaction(async (tx) => {
          // `role` is an ordinary setting, so set_config can switch it locally.
          await tx.execute(setup);
          const out = await fn(tx, scopeHooks);
          let chain: Promise<unknown> = Promise.resolve();
          const send: Send = (q) => (chain = chain.then(() => tx.execute(q)));
          for (const f of finals) await f(send);
          return out;
        });
  } catch (err) {
    throw translateDbError(err);
  }
  for (const hook of hooks) await hook();
  return result;
}

/**
 * A transaction in few round trips (each costs more CPU on this side than the statement
 * itself): the role/tenant switch goes out with the unit's first statement, and the deferred
 * writes with the COMMIT. The switch is written before `fn` runs, so no statement of the unit
 * can reach PostgreSQL ahead of it. postgres.js sends the COMMIT as soon as the callback
 * returns, right behind the writes; a write that fails makes PostgreSQL turn that COMMIT into a
 * rollback, and the write's error is what the caller gets.
 */
async function pipelined<T>(pipeline: NonNullable<DbHandle['pipeline']>, setup: SQL, fn: (tx: Transaction) => Promise<T>, finals: ((send: Send) => Promise<unknown>)[]): Promise<T> {
  let writes: Promise<unknown>[] = [];
  const out = await pipeline(async (p) => {
    const ready = p.send(setup);
    ready.catch(() => {}); // awaited below; the first statement fails with it anyway
    const result = await fn(p.db as unknown as Transaction);
    await ready;
    writes = finals.map((f) => f(p.send));
    for (const w of writes) w.catch(() => {}); // awaited after the COMMIT
    return result;
  });
  for (const w of writes) await w;
  return out;
}

/** The Postgres SQLSTATE of an error, looking through driver and drizzle wrappers. */
export function pgErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

function isConnectionError(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|CONNECTION_|08|57P0)/.test(e.code)) return true;
  }
  return false;
}

function translateDbError(err: unknown): unknown {
  if (err instanceof KabarError) return err;
  if (pgErrorCode(err) === '23505') return new ConflictError('A record with the same key already exists');
  if (isConnectionError(err)) {
    return new KabarError(ErrorCode.SERVICE_UNAVAILABLE, 'The database is unavailable; try again shortly');
  }
  return err;
}
