// Limits on what one GraphQL request may ask, so a hostile or careless client cannot make
// the API parse, validate or resolve without bound. Applied identically to HTTP (Apollo) and
// to graphql-ws operations. Every refusal is a QueryLimitError / RequestError (src/errors.ts).
import type { ApolloServerPlugin } from '@apollo/server';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import {
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  parse,
  specifiedRules,
  validate,
  type ASTVisitor,
  type DirectiveNode,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Config } from '../config.js';
import { ErrorCode, QueryLimitError, RequestError } from '../errors.js';
import { errorBody, formatError } from './errors.js';

export interface GraphQLLimits {
  /** Deepest field nesting, counted from the operation's root fields (depth 1). */
  maxDepth: number;
  /** The same for paths through `__schema` / `__type` (graphql-js's own introspection query needs 15). */
  maxIntrospectionDepth: number;
  /** Most expensive operation accepted (see operationCost). */
  maxCost: number;
  maxAliases: number;
  maxDirectives: number;
  /** Lexical tokens in the document; parsing stops past it. */
  maxTokens: number;
  /** Largest HTTP body (and graphql-ws message), in bytes. */
  maxBodyBytes: number;
  /** How `first` is read for the cost: as the resolvers read it. */
  defaultPageSize: number;
  maxPageSize: number;
}

export function graphqlLimits(c: Config): GraphQLLimits {
  return {
    maxDepth: c.KABAR_GRAPHQL_MAX_DEPTH,
    maxIntrospectionDepth: c.KABAR_GRAPHQL_MAX_INTROSPECTION_DEPTH,
    maxCost: c.KABAR_GRAPHQL_MAX_COST,
    maxAliases: c.KABAR_GRAPHQL_MAX_ALIASES,
    maxDirectives: c.KABAR_GRAPHQL_MAX_DIRECTIVES,
    maxTokens: c.KABAR_GRAPHQL_MAX_TOKENS,
    maxBodyBytes: c.KABAR_GRAPHQL_MAX_BODY_BYTES,
    defaultPageSize: Math.min(c.KABAR_DEFAULT_PAGE_SIZE, c.KABAR_MAX_PAGE_SIZE),
    maxPageSize: c.KABAR_MAX_PAGE_SIZE,
  };
}

/** Items assumed in a list that has no `first` argument (staff, templates, history…). */
export const UNPAGED_LIST_SIZE = 10;

const isIntrospectionRoot = (name: string) => name === '__schema' || name === '__type';

/** The domain error rides as originalError: src/graphql/errors.ts turns it into its code. */
const limitError = (e: QueryLimitError, nodes?: FieldNode[]) => new GraphQLError(e.message, { nodes, originalError: e });

/** Depth of every field path, through fragments (each fragment measured once). */
function depthRule(limits: GraphQLLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragmentDepth = new Map<string, number>();
    const inProgress = new Set<string>();
    // Depth of the deepest field below (and including) this selection set.
    const depthOf = (set: SelectionSetNode | undefined): number => {
      let max = 0;
      for (const sel of set?.selections ?? []) {
        if (sel.kind === Kind.FIELD) max = Math.max(max, 1 + depthOf(sel.selectionSet));
        else if (sel.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(sel.selectionSet));
        else {
          const name = sel.name.value;
          // A cycle is NoFragmentCyclesRule's to report; here it just ends the path.
          if (inProgress.has(name)) continue;
          if (!fragmentDepth.has(name)) {
            inProgress.add(name);
            fragmentDepth.set(name, depthOf(context.getFragment(name)?.selectionSet));
            inProgress.delete(name);
          }
          max = Math.max(max, fragmentDepth.get(name)!);
        }
      }
      return max;
    };
    return {
      OperationDefinition(op) {
        // Root fields one by one, so an introspection root gets its own limit.
        const roots: FieldNode[] = [];
        const collect = (set: SelectionSetNode, seen: Set<string>): void => {
          for (const sel of set.selections) {
            if (sel.kind === Kind.FIELD) roots.push(sel);
            else if (sel.kind === Kind.INLINE_FRAGMENT) collect(sel.selectionSet, seen);
            else if (!seen.has(sel.name.value)) {
              seen.add(sel.name.value);
              const fragment = context.getFragment(sel.name.value);
              if (fragment) collect(fragment.selectionSet, seen);
            }
          }
        };
        collect(op.selectionSet, new Set());
        for (const root of roots) {
          const introspection = isIntrospectionRoot(root.name.value);
          const limit = introspection ? limits.maxIntrospectionDepth : limits.maxDepth;
          const depth = 1 + depthOf(root.selectionSet);
          if (depth > limit) {
            const what = introspection ? 'introspection query' : 'query';
            context.reportError(limitError(new QueryLimitError(ErrorCode.QUERY_TOO_DEEP, `The ${what} is ${depth} levels deep; at most ${limit} are allowed`, limit, depth), [root]));
            return false;
          }
        }
        return false;
      },
    };
  };
}

/** Aliases and directives are counted over the whole document, as written. */
function countRule(limits: GraphQLLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    let directives = 0;
    return {
      Field(node) {
        if (node.alias) aliases++;
      },
      Directive() {
        directives++;
      },
      Document: {
        leave() {
          if (aliases > limits.maxAliases) {
            context.reportError(limitError(new QueryLimitError(ErrorCode.TOO_MANY_ALIASES, `The document has ${aliases} aliases; at most ${limits.maxAliases} are allowed`, limits.maxAliases, aliases)));
          }
          if (directives > limits.maxDirectives) {
            context.reportError(limitError(new QueryLimitError(ErrorCode.TOO_MANY_DIRECTIVES, `The document has ${directives} directives; at most ${limits.maxDirectives} are allowed`, limits.maxDirectives, directives)));
          }
        },
      },
    };
  };
}

/** Kabar's validation rules, run with graphql-js's own (which include MaxIntrospectionDepthRule). */
export const limitRules = (limits: GraphQLLimits): ValidationRule[] => [depthRule(limits), countRule(limits)];

/**
 * The cost of an operation with its variables: every field costs 1, and what is selected
 * under a list is multiplied by the items it may hold: `first` (the default page size when
 * omitted, at most the maximum page size: a larger `first` is the resolver's BAD_USER_INPUT)
 * for a paginated field, one for a connection's `edges` (the page already counted),
 * UNPAGED_LIST_SIZE for other lists, one inside introspection (bounded by the schema, and
 * graphql-js's MaxIntrospectionDepthRule bounds its nesting). Skipped fields cost nothing;
 * inline fragments and fragments on other types are all counted (an upper bound).
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, rawVariables: Record<string, unknown> | undefined, limits: Pick<GraphQLLimits, 'defaultPageSize' | 'maxPageSize'>): number {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  // Bad variables: execution reports them (BAD_USER_INPUT); count as if they were absent.
  const variables = coerced.coerced ?? {};
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const fragmentCost = new Map<string, number>();
  const inProgress = new Set<string>();

  const skipped = (node: { directives?: readonly DirectiveNode[] }): boolean => {
    if (!node.directives?.length) return false;
    try {
      if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return true;
      return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false;
    } catch {
      return false;
    }
  };
  const fieldDef = (parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    if (parent === schema.getQueryType() && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (parent === schema.getQueryType() && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  };
  const multiplier = (def: GraphQLField<unknown, unknown>, node: FieldNode, parent: GraphQLCompositeType, introspection: boolean): number => {
    if (introspection) return 1;
    if (def.args.some((a) => a.name === 'first')) {
      let first: unknown;
      try {
        first = getArgumentValues(def, node, variables).first;
      } catch {
        first = undefined;
      }
      const n = typeof first === 'number' ? first : limits.defaultPageSize;
      return Math.max(0, Math.min(n, limits.maxPageSize));
    }
    if (!isListType(getNullableType(def.type))) return 1;
    return parent.name.endsWith('Connection') ? 1 : UNPAGED_LIST_SIZE;
  };
  const costOf = (set: SelectionSetNode, parent: GraphQLCompositeType, introspection: boolean): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (skipped(sel)) continue;
      if (sel.kind === Kind.FIELD) {
        const def = fieldDef(parent, sel.name.value);
        if (!def) continue;
        const inIntrospection = introspection || sel.name.value.startsWith('__');
        const type = getNamedType(def.type);
        const below = sel.selectionSet && isCompositeType(type) ? costOf(sel.selectionSet, type, inIntrospection) : 0;
        total += 1 + multiplier(def, sel, parent, inIntrospection) * below;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) total += costOf(sel.selectionSet, type, introspection);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || !type || !isCompositeType(type) || inProgress.has(name)) continue;
        if (!fragmentCost.has(name)) {
          inProgress.add(name);
          fragmentCost.set(name, costOf(fragment.selectionSet, type, introspection || type.name.startsWith('__')));
          inProgress.delete(name);
        }
        total += fragmentCost.get(name)!;
      }
    }
    return total;
  };
  const root = schema.getRootType(operation.operation);
  return root ? costOf(operation.selectionSet, root, false) : 0;
}

function costError(cost: number, limits: GraphQLLimits): QueryLimitError | undefined {
  if (cost <= limits.maxCost) return undefined;
  return new QueryLimitError(ErrorCode.QUERY_TOO_COMPLEX, `The operation costs ${cost}; at most ${limits.maxCost} is allowed (lower first or select fewer fields)`, limits.maxCost, cost);
}

/** Apollo plugin: the cost needs the variables, so it is checked once the operation is known. */
export function costPlugin(limits: GraphQLLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const error = costError(operationCost(schema, document, operation, request.variables, limits), limits);
          if (error) throw new GraphQLError(error.message, { originalError: error, extensions: { http: { status: 400 } } });
        },
      };
    },
  };
}

/**
 * graphql-ws `onSubscribe`: the same token limit, rules and cost as HTTP, with the errors in
 * Kabar's shape. Returns the execution arguments (context and roots are added by graphql-ws).
 */
export function prepareWsOperation(schema: GraphQLSchema, payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null }, limits: GraphQLLimits): ExecutionArgs | GraphQLError[] {
  const fail = (errors: readonly GraphQLError[], code: string): GraphQLError[] =>
    errors.map((e) => {
      const f = formatError({ message: e.message, locations: e.locations, extensions: { ...e.extensions, code: e.extensions.code ?? code } }, e);
      return new GraphQLError(f.message, { nodes: e.nodes, extensions: f.extensions });
    });
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: limits.maxTokens });
  } catch (err) {
    return fail([err instanceof GraphQLError ? err : new GraphQLError(String(err))], 'GRAPHQL_PARSE_FAILED');
  }
  const errors = validate(schema, document, [...specifiedRules, ...limitRules(limits)]);
  if (errors.length) return fail(errors, 'GRAPHQL_VALIDATION_FAILED');
  const operation = getOperationAST(document, payload.operationName ?? undefined);
  if (!operation) return fail([new GraphQLError('Could not identify the operation: name one with operationName')], 'OPERATION_RESOLUTION_FAILURE');
  const tooCostly = costError(operationCost(schema, document, operation, payload.variables ?? undefined, limits), limits);
  if (tooCostly) return fail([limitError(tooCostly)], 'QUERY_TOO_COMPLEX');
  return { schema, document, operationName: payload.operationName ?? undefined, variableValues: payload.variables ?? undefined };
}

/**
 * Express handlers in front of Apollo on /graphql: the JSON body within maxBodyBytes, a body
 * that is not JSON or too large answered in GraphQL's shape (not express's HTML page), and
 * batched operations (a JSON array) refused: one request, one operation, one cost.
 */
export function graphqlBodyGuards(limits: GraphQLLimits): [RequestHandler, ErrorRequestHandler, RequestHandler] {
  const send = (res: Parameters<RequestHandler>[1], e: RequestError) => void res.status(e.status).json(errorBody(e));
  return [
    express.json({ limit: limits.maxBodyBytes }),
    (err, _req, res, next) => {
      const e = err as { type?: string; status?: number; message?: string };
      if (e?.type === 'entity.too.large') {
        return send(res, new RequestError(ErrorCode.PAYLOAD_TOO_LARGE, `The request body is larger than ${limits.maxBodyBytes} bytes`, 413, { limit: limits.maxBodyBytes }));
      }
      if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
        const message = e.type === 'entity.parse.failed' ? 'The request body is not valid JSON' : `The request body could not be read (${e.type ?? 'bad request'})`;
        return send(res, new RequestError(ErrorCode.BAD_REQUEST, message, e.status));
      }
      next(err);
    },
    (req, res, next) => {
      if (Array.isArray(req.body)) return send(res, new RequestError(ErrorCode.BATCHING_NOT_SUPPORTED, 'Batched operations are not supported: send one operation per request', 400));
      next();
    },
  ];
}
