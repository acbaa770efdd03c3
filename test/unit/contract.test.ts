import { existsSync, readFileSync } from 'node:fs';
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
import { createSchema } from '../../src/graphql/graphql-schema.js';
import { PENDING } from '../helpers/contract-pending.js';

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');

/** Every difference between the contract and the served schema that would break a client. */
function contractGaps(contract: GraphQLSchema, served: GraphQLSchema): string[] {
  const gaps: string[] = [];
  for (const [name, want] of Object.entries(contract.getTypeMap())) {
    if (name.startsWith('__')) continue;
    const got: GraphQLNamedType | undefined = served.getType(name);
    if (!got) {
      gaps.push(`missing type ${name}`);
      continue;
    }
    if (got.constructor !== want.constructor) {
      gaps.push(`${name} is a ${got.constructor.name}, contract says ${want.constructor.name}`);
      continue;
    }
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
        if (!g) {
          gaps.push(`missing field ${name}.${f.name}`);
          continue;
        }
        if (String(g.type) !== String(f.type)) gaps.push(`${name}.${f.name}: ${g.type} instead of ${f.type}`);
        for (const a of f.args) {
          const ga = g.args.find((x) => x.name === a.name);
          if (!ga) gaps.push(`missing argument ${name}.${f.name}(${a.name})`);
          else if (String(ga.type) !== String(a.type))
            gaps.push(`${name}.${f.name}(${a.name}): ${ga.type} instead of ${a.type}`);
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
        if (!want.getFields()[g.name] && isNonNullType(g.type) && g.defaultValue === undefined)
          gaps.push(`${name} adds required input field ${g.name}`);
      }
    }
  }
  return gaps;
}

/** The element a gap is about: "missing type X" → X, "missing field T.f" → T.f. */
function elementOf(gap: string): string | undefined {
  return /^missing (?:input )?(?:type|field) (\S+)$/.exec(gap)?.[1];
}

/** Whether the served schema has the element ("Type" or "Type.field"). */
function serves(served: GraphQLSchema, element: string): boolean {
  const [typeName, field] = element.split('.');
  const type = served.getType(typeName!);
  if (!type || !field) return !!type;
  return (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) && field in type.getFields();
}

describe('served schema', () => {
  let served: GraphQLSchema;
  beforeAll(async () => {
    served = await createSchema(createBus());
  });

  it('contains every type, field and argument of the vendored contract, with the same types, but for the pending list', () => {
    const gaps = contractGaps(buildSchema(read('contract.graphql')), served);
    expect(gaps.filter((g) => !(elementOf(g)! in PENDING))).toEqual([]);
  });

  it('serves nothing on the pending list (an element that is served leaves the list)', () => {
    const contract = buildSchema(read('contract.graphql'));
    for (const element of Object.keys(PENDING)) {
      expect(serves(contract, element), `${element} is in the contract`).toBe(true);
      expect(serves(served, element), `${element} is served: remove it from test/helpers/contract-pending.ts`).toBe(
        false,
      );
    }
  });

  const sharedContract = new URL('../../../shared/contract.graphql', import.meta.url);
  const sharedPresent = existsSync(sharedContract);
  // The contract the suite checks is the vendored copy at the root, so a clone without ../shared
  // (CI) checks everything but the copy's freshness. That check runs wherever ../shared exists;
  // without it the test still asserts something that can fail (never a skip: CI fails on skips).
  it(`the vendored contract is the shared one${sharedPresent ? '' : ' (no ../shared here: the vendored copy stands alone)'}`, () => {
    const vendored = read('contract.graphql');
    if (sharedPresent) {
      expect(vendored).toBe(readFileSync(sharedContract, 'utf8'));
      return;
    }
    const contract = buildSchema(vendored);
    expect([
      contract.getQueryType()?.name,
      contract.getMutationType()?.name,
      contract.getSubscriptionType()?.name,
    ]).toEqual(['Query', 'Mutation', 'Subscription']);
  });

  it('matches the committed schema.graphql (run `npm run schema:print` after changing it)', () => {
    expect(`${printSchema(served)}\n`).toBe(read('schema.graphql'));
  });

  it('detects a gap (the checker itself can fail)', () => {
    const broken = buildSchema(read('contract.graphql').replace('tokenSet: Boolean!', 'tokenSet: Boolean'));
    expect(contractGaps(broken, served)).toContain('WhatsAppConfig.tokenSet: Boolean! instead of Boolean');
  });
});
