import { readFileSync } from 'node:fs';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  printSchema,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBus } from '../../src/events/bus.js';
import { createSchema } from '../../src/graphql/schema.js';

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');

/** Every difference between the contract and the served schema that would break a client. */
function contractGaps(contract: GraphQLSchema, served: GraphQLSchema): string[] {
  const gaps: string[] = [];
  for (const [name, want] of Object.entries(contract.getTypeMap())) {
    if (name.startsWith('__')) continue;
    const got: GraphQLNamedType | undefined = served.getType(name);
    if (!got) { gaps.push(`missing type ${name}`); continue; }
    if (got.constructor !== want.constructor) { gaps.push(`${name} is a ${got.constructor.name}, contract says ${want.constructor.name}`); continue; }
    if (isEnumType(want) && isEnumType(got)) {
      const values = new Set(got.getValues().map((v) => v.name));
      for (const v of want.getValues()) if (!values.has(v.name)) gaps.push(`enum ${name} lacks ${v.name}`);
    }
    if ((isObjectType(want) || isInterfaceType(want)) && (isObjectType(got) || isInterfaceType(got))) {
      const ifaces = new Set(got.getInterfaces().map((i) => i.name));
      for (const i of want.getInterfaces()) if (!ifaces.has(i.name)) gaps.push(`${name} does not implement ${i.name}`);
      const fields = got.getFields();
      for (const f of Object.values(want.getFields())) {
        const g = fields[f.name];
        if (!g) { gaps.push(`missing field ${name}.${f.name}`); continue; }
        if (String(g.type) !== String(f.type)) gaps.push(`${name}.${f.name}: ${g.type} instead of ${f.type}`);
        for (const a of f.args) {
          const ga = g.args.find((x) => x.name === a.name);
          if (!ga) gaps.push(`missing argument ${name}.${f.name}(${a.name})`);
          else if (String(ga.type) !== String(a.type)) gaps.push(`${name}.${f.name}(${a.name}): ${ga.type} instead of ${a.type}`);
        }
        for (const ga of g.args) {
          if (!f.args.some((a) => a.name === ga.name) && isNonNullType(ga.type) && ga.defaultValue === undefined) {
            gaps.push(`${name}.${f.name} adds required argument ${ga.name}`);
          }
        }
      }
    }
    if (isInputObjectType(want) && isInputObjectType(got)) {
      const fields = got.getFields();
      for (const f of Object.values(want.getFields())) {
        const g = fields[f.name];
        if (!g) gaps.push(`missing input field ${name}.${f.name}`);
        else if (String(g.type) !== String(f.type)) gaps.push(`${name}.${f.name}: ${g.type} instead of ${f.type}`);
      }
      for (const g of Object.values(fields)) {
        if (!want.getFields()[g.name] && isNonNullType(g.type) && g.defaultValue === undefined) gaps.push(`${name} adds required input field ${g.name}`);
      }
    }
  }
  return gaps;
}

describe('served schema', () => {
  let served: GraphQLSchema;
  beforeAll(async () => {
    served = await createSchema(createBus());
  });

  it('contains every type, field and argument of the vendored contract, with the same types', () => {
    expect(contractGaps(buildSchema(read('contract.graphql')), served)).toEqual([]);
  });

  it('the vendored contract is the shared one (when ../shared is present)', () => {
    let shared: string | undefined;
    try {
      shared = readFileSync(new URL('../../../shared/contract.graphql', import.meta.url), 'utf8');
    } catch {
      return; // a clone without ../shared checks the vendored copy only
    }
    expect(read('contract.graphql')).toBe(shared);
  });

  it('matches the committed schema.graphql (run `npm run schema:print` after changing it)', () => {
    expect(printSchema(served) + '\n').toBe(read('schema.graphql'));
  });

  it('detects a gap (the checker itself can fail)', () => {
    const broken = buildSchema(read('contract.graphql').replace('tokenSet: Boolean!', 'tokenSet: Boolean'));
    expect(contractGaps(broken, served)).toContain('WhatsAppConfig.tokenSet: Boolean! instead of Boolean');
  });
});
