import { ValidationError } from '../domain-errors.js';

export interface PageArgs {
  first: number;
  after?: string | null;
}
export interface Page<T> {
  items: { cursor: string; node: T }[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Opaque cursors over a monotonically increasing sequence column. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): number | null {
  if (cursor == null) return null;
  const m = /^seq:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new ValidationError('after', 'after is not a cursor returned by this API');
  return Number(m[1]);
}

export function pageArgs(
  first: number | null | undefined,
  after: string | null | undefined,
  limits: { max: number; def: number },
): PageArgs {
  const n = first ?? limits.def;
  if (!Number.isInteger(n) || n < 1 || n > limits.max) {
    throw new ValidationError('first', `first must be between 1 and ${limits.max}`);
  }
  decodeCursor(after);
  return { first: n, after };
}

/** Rows were fetched with limit first+1: the extra row only tells whether there is a next page. */
export function pageOf<T>(rows: T[], first: number, seqOf: (row: T) => number): Page<T> {
  const items = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(seqOf(node)), node }));
  return { items, hasNextPage: rows.length > first, endCursor: items.at(-1)?.cursor ?? null };
}
