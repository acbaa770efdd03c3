import type { ApolloServerPlugin } from '@apollo/server';
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
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode, QueryLimitError } from '../domain-errors.js';
import { UNPAGED_LIST_SIZE, type GraphQLLimits } from './limits.js';

/**
 * The cost of an operation with its variables: every field costs 1, and what is selected
 * under a list is multiplied by the items it may hold: `first` (the default page size when
 * omitted, at most the maximum page size: a larger `first` is the resolver's BAD_USER_INPUT)
 * for a paginated field, one for a connection's `edges` (the page already counted),
 * UNPAGED_LIST_SIZE for other lists, one inside introspection (bounded by the schema, and
 * graphql-js's MaxIntrospectionDepthRule bounds its nesting). Skipped fields cost nothing;
 * inline fragments and fragments on other types are all counted (an upper bound).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | undefined,
  limits: Pick<GraphQLLimits, 'defaultPageSize' | 'maxPageSize'>,
): number {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  // Bad variables: execution reports them (BAD_USER_INPUT); count as if they were absent.
  const counter = new CostCounter(schema, document, coerced.coerced ?? {}, limits);
  const root = schema.getRootType(operation.operation);
  return root ? counter.costOf(operation.selectionSet, root, false) : 0;
}

/** One operation's count: fragments are costed once each. */
class CostCounter {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly fragmentCost = new Map<string, number>();
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variables: Record<string, unknown>,
    private readonly limits: Pick<GraphQLLimits, 'defaultPageSize' | 'maxPageSize'>,
  ) {
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(d.name.value, d);
  }

  costOf(set: SelectionSetNode, parent: GraphQLCompositeType, introspection: boolean): number {
    let total = 0;
    for (const sel of set.selections) {
      if (this.skipped(sel)) continue;
      if (sel.kind === Kind.FIELD) total += this.fieldCost(sel, parent, introspection);
      else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? this.schema.getType(sel.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) total += this.costOf(sel.selectionSet, type, introspection);
      } else total += this.spreadCost(sel.name.value, introspection);
    }
    return total;
  }

  private fieldCost(sel: FieldNode, parent: GraphQLCompositeType, introspection: boolean): number {
    const def = this.fieldDef(parent, sel.name.value);
    if (!def) return 0;
    const inIntrospection = introspection || sel.name.value.startsWith('__');
    const type = getNamedType(def.type);
    const below = sel.selectionSet && isCompositeType(type) ? this.costOf(sel.selectionSet, type, inIntrospection) : 0;
    return 1 + this.multiplier(def, sel, parent, inIntrospection) * below;
  }

  private spreadCost(name: string, introspection: boolean): number {
    const fragment = this.fragments.get(name);
    const type = fragment && this.schema.getType(fragment.typeCondition.name.value);
    if (!fragment || !type || !isCompositeType(type) || this.inProgress.has(name)) return 0;
    if (!this.fragmentCost.has(name)) {
      this.inProgress.add(name);
      const inIntrospection = introspection || type.name.startsWith('__');
      this.fragmentCost.set(name, this.costOf(fragment.selectionSet, type, inIntrospection));
      this.inProgress.delete(name);
    }
    return this.fragmentCost.get(name)!;
  }

  private skipped(node: { directives?: readonly DirectiveNode[] }): boolean {
    if (!node.directives?.length) return false;
    try {
      if (getDirectiveValues(GraphQLSkipDirective, node, this.variables)?.if === true) return true;
      return getDirectiveValues(GraphQLIncludeDirective, node, this.variables)?.if === false;
    } catch {
      return false;
    }
  }

  private fieldDef(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
    const query = this.schema.getQueryType();
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    if (parent === query && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (parent === query && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  }

  private multiplier(
    def: GraphQLField<unknown, unknown>,
    node: FieldNode,
    parent: GraphQLCompositeType,
    introspection: boolean,
  ): number {
    if (introspection) return 1;
    if (def.args.some((a) => a.name === 'first')) {
      let first: unknown;
      try {
        first = getArgumentValues(def, node, this.variables).first;
      } catch {
        first = undefined;
      }
      const n = typeof first === 'number' ? first : this.limits.defaultPageSize;
      return Math.max(0, Math.min(n, this.limits.maxPageSize));
    }
    if (!isListType(getNullableType(def.type))) return 1;
    return parent.name.endsWith('Connection') ? 1 : UNPAGED_LIST_SIZE;
  }
}

export function costError(cost: number, limits: GraphQLLimits): QueryLimitError | undefined {
  if (cost <= limits.maxCost) return undefined;
  const message = `The operation costs ${cost}; at most ${limits.maxCost} is allowed (lower first or select fewer fields)`;
  return new QueryLimitError(ErrorCode.QUERY_TOO_COMPLEX, message, limits.maxCost, cost);
}

/** Apollo plugin: the cost needs the variables, so it is checked once the operation is known. */
export function costPlugin(limits: GraphQLLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const error = costError(operationCost(schema, document, operation, request.variables, limits), limits);
          if (!error) return;
          throw new GraphQLError(error.message, { originalError: error, extensions: { http: { status: 400 } } });
        },
      };
    },
  };
}
