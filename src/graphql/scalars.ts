import { Decimal } from 'decimal.js';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/**
 * Any string: the service that takes the amount checks it (sign, digits, the currency's
 * precision) and reports it with the input's other invalid fields. A JSON number is refused
 * here: it was a float before it arrived, and a float loses cents.
 */
function parse(value: unknown): string {
  if (typeof value === 'number') {
    throw new GraphQLError(
      'Decimal must be written as a string such as "1250.50", not as a number (a float loses cents)',
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
  }
  if (typeof value !== 'string' || value.length > 100) {
    throw new GraphQLError('Decimal must be a string such as "1250.50"', { extensions: { code: 'BAD_USER_INPUT' } });
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
    if (ast.kind === Kind.FLOAT || ast.kind === Kind.INT) return parse(Number(ast.value));
    if (ast.kind !== Kind.STRING) parse(undefined);
    return parse((ast as { value: string }).value);
  },
});
