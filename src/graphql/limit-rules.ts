import {
  Kind,
  type ASTVisitor,
  type FieldNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { ErrorCode, QueryLimitError } from '../domain-errors.js';
import { isIntrospectionRoot, limitError, type GraphQLLimits } from './limits.js';

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
            const message = `The ${what} is ${depth} levels deep; at most ${limit} are allowed`;
            const error = new QueryLimitError(ErrorCode.QUERY_TOO_DEEP, message, limit, depth);
            context.reportError(limitError(error, [root]));
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
            const message = `The document has ${aliases} aliases; at most ${limits.maxAliases} are allowed`;
            const error = new QueryLimitError(ErrorCode.TOO_MANY_ALIASES, message, limits.maxAliases, aliases);
            context.reportError(limitError(error));
          }
          if (directives > limits.maxDirectives) {
            const message = `The document has ${directives} directives; at most ${limits.maxDirectives} are allowed`;
            const error = new QueryLimitError(ErrorCode.TOO_MANY_DIRECTIVES, message, limits.maxDirectives, directives);
            context.reportError(limitError(error));
          }
        },
      },
    };
  };
}

/** Kabar's validation rules, run with graphql-js's own (which include MaxIntrospectionDepthRule). */
export const limitRules = (limits: GraphQLLimits): ValidationRule[] => [depthRule(limits), countRule(limits)];
