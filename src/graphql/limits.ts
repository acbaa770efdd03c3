// Limits on what one GraphQL request may ask, so a hostile or careless client cannot make
// the API parse, validate or resolve without bound. Applied identically to HTTP (Apollo) and
// to graphql-ws operations. Every refusal is a QueryLimitError / RequestError (src/domain-errors.ts).
import { GraphQLError, type FieldNode } from 'graphql';
import type { Config } from '../config.js';
import type { QueryLimitError } from '../domain-errors.js';

// The rules: src/graphql/limit-rules.ts (depth, aliases, directives); the cost:
// src/graphql/query-cost.ts; HTTP bodies and graphql-ws operations: src/graphql/request-guards.ts.

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

export const isIntrospectionRoot = (name: string) => name === '__schema' || name === '__type';

/** The domain error rides as originalError: src/graphql/graphql-errors.ts turns it into its code. */
export const limitError = (e: QueryLimitError, nodes?: FieldNode[]) =>
  new GraphQLError(e.message, { nodes, originalError: e });
