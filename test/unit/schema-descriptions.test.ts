import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBus } from '../../src/events/bus.js';
import { createSchema } from '../../src/graphql/graphql-schema.js';

// GraphQL that documents itself: GraphiQL's Docs pane answers a frontend team's questions only if
// every type, field, argument and enum value says what it is (roles, units, formats, examples).

/** Every public element of the schema without a description, as "Type", "Type.field", "Type.field(arg)" or "Enum.VALUE". */
function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const blank = (d: string | null | undefined) => !d || d.trim() === '';
  for (const type of Object.values(schema.getTypeMap())) {
    // graphql-js's own: introspection types and the specified scalars (String, Int…) are described there.
    if (type.name.startsWith('__') || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
    if (blank(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (blank(field.description)) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args)
          if (blank(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name})`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        if (blank(field.description)) missing.push(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) if (blank(value.description)) missing.push(`${type.name}.${value.name}`);
    }
  }
  return missing.sort();
}

describe('the served schema documents itself', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await createSchema(createBus());
  });

  it('describes every type, field, argument and enum value', () => {
    expect(undocumented(schema)).toEqual([]);
  });
});
