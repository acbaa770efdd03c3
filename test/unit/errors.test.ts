import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { causes, ConflictError, ValidationError } from '../../src/domain-errors.js';
import { pgErrorCode } from '../../src/db/tenant.js';
import { formatError } from '../../src/graphql/graphql-errors.js';

const resolverError = (original: Error) => new GraphQLError(original.message, { path: ['q'], originalError: original });
const formatted = (e: GraphQLError) =>
  formatError(
    { message: e.message, path: ['q'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x.ts:1'] } },
    e,
  );

describe('error mapping', () => {
  it('keeps the code and field of domain errors', () => {
    const out = formatted(resolverError(new ValidationError('input.phone', 'input.phone must be E.164')));
    expect(out).toMatchObject({
      message: 'input.phone must be E.164',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.phone' },
    });
    expect(formatted(resolverError(new ConflictError('exists'))).extensions).toEqual({ code: 'CONFLICT' });
  });

  it('hides unexpected errors: no SQL text, no stack trace', () => {
    const pgError = Object.assign(
      new Error('insert into "credit_balances" ("tenant_id") values ($1) violates check constraint'),
      { code: '23514' },
    );
    const out = formatted(resolverError(pgError));
    expect(out).toEqual({
      message: 'Internal server error',
      path: ['q'],
      locations: undefined,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(out)).not.toMatch(/insert|credit_balances|stacktrace/);
  });
});

describe('causes: an error and what it wraps', () => {
  it('follows cause and originalError, outermost first, and stops at five (a cycle does not hang)', () => {
    const pg = Object.assign(new Error('duplicate key'), { code: '23505' });
    const drizzle = new Error('Failed query', { cause: pg });
    const kafka = Object.assign(new Error('send failed'), { originalError: drizzle });
    expect(causes(kafka).map((e) => e.message)).toEqual(['send failed', 'Failed query', 'duplicate key']);
    expect(pgErrorCode(kafka)).toBe('23505');
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(causes(loop)).toHaveLength(5);
    expect(causes('not an error')).toEqual([]);
  });
});
