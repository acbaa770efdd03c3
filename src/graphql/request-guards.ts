import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
} from 'graphql';
import { ErrorCode, RequestError } from '../domain-errors.js';
import { errorBody, formatError } from './graphql-errors.js';
import { limitRules } from './limit-rules.js';
import { limitError, type GraphQLLimits } from './limits.js';
import { costError, operationCost } from './query-cost.js';

/**
 * graphql-ws `onSubscribe`: the same token limit, rules and cost as HTTP, with the errors in
 * Kabar's shape. Returns the execution arguments (context and roots are added by graphql-ws).
 */
export function prepareWsOperation(
  schema: GraphQLSchema,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  limits: GraphQLLimits,
): ExecutionArgs | GraphQLError[] {
  const fail = (errors: readonly GraphQLError[], code: string): GraphQLError[] =>
    errors.map((e) => {
      const extensions = { ...e.extensions, code: e.extensions.code ?? code };
      const f = formatError({ message: e.message, locations: e.locations, extensions }, e);
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
  if (!operation) {
    const unnamed = new GraphQLError('Could not identify the operation: name one with operationName');
    return fail([unnamed], 'OPERATION_RESOLUTION_FAILURE');
  }
  const cost = operationCost(schema, document, operation, payload.variables ?? undefined, limits);
  const tooCostly = costError(cost, limits);
  if (tooCostly) return fail([limitError(tooCostly)], 'QUERY_TOO_COMPLEX');
  const operationName = payload.operationName ?? undefined;
  return { schema, document, operationName, variableValues: payload.variables ?? undefined };
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
        const message = `The request body is larger than ${limits.maxBodyBytes} bytes`;
        return send(res, new RequestError(ErrorCode.PAYLOAD_TOO_LARGE, message, 413, { limit: limits.maxBodyBytes }));
      }
      if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
        const message =
          e.type === 'entity.parse.failed'
            ? 'The request body is not valid JSON'
            : `The request body could not be read (${e.type ?? 'bad request'})`;
        return send(res, new RequestError(ErrorCode.BAD_REQUEST, message, e.status));
      }
      next(err);
    },
    (req, res, next) => {
      if (Array.isArray(req.body)) {
        const message = 'Batched operations are not supported: send one operation per request';
        return send(res, new RequestError(ErrorCode.BATCHING_NOT_SUPPORTED, message, 400));
      }
      next();
    },
  ];
}
