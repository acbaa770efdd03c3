import { Decimal } from 'decimal.js';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const DECIMAL = /^-?\d+(\.\d+)?$/;

function parse(value: unknown): string {
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    throw new GraphQLError('Decimal must be a string such as "1250.50" (never a float)', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return value;
}

/** Money as a decimal string, exact end to end: never a JavaScript float. */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'Money as a decimal string, e.g. "1250.50"; never a float',
  serialize: (v) => new Decimal(v as Decimal.Value).toFixed(),
  parseValue: parse,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) parse(undefined);
    return parse((ast as { value: string }).value);
  },
});
