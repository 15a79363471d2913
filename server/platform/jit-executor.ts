import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, getOperationAST, GraphQLError, printSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { isPromise } from 'graphql/jsutils/isPromise.js';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { selectsIntrospection } from './selection.js';

/** Executions of one (document, operation) through graphql-js before it is compiled. */
export const COMPILE_AFTER = 2;
/** Operation names tracked per document; requests naming others run through graphql-js. */
export const MAX_OPERATIONS_PER_DOCUMENT = 16;

type Entry = { runs: number; compiled?: CompiledQuery | null };

/**
 * Runs the query operations that clients repeat through graphql-jit: each (parsed document,
 * operation) is compiled, on its COMPILE_AFTER-th execution, into a function that resolves and
 * completes exactly the fields it selects, without graphql-js's per-field work (an info object,
 * argument coercion and a completion walk for each of the 750 fields of a page of appointments).
 * The same resolvers, scalars and errors; the result is the same JSON. Everything else (mutations,
 * introspection, one-off queries, anything the compiler refuses) runs through graphql-js's `execute`.
 *
 * Apollo reuses a parsed document for the same query text (its LRU document store), so entries are
 * kept per document object and go when Apollo drops the document.
 */
export class JitExecutor {
  /** By document, then by the operation name the client sent (null: none, which is not ""). */
  private readonly entries = new WeakMap<DocumentNode, Map<string | null, Entry>>();

  constructor(private readonly schema: GraphQLSchema) {}

  run(document: DocumentNode, operationName: string | null | undefined, contextValue: unknown, variables: Record<string, unknown> | undefined): Promise<ExecutionResult> | ExecutionResult {
    const compiled = this.compiled(document, operationName ?? null);
    if (compiled) {
      const result = compiled.query(undefined, contextValue, variables ?? {});
      return isPromise(result) ? result.then(withGraphQLErrors) : withGraphQLErrors(result);
    }
    return execute({ schema: this.schema, document, operationName, contextValue, variableValues: variables });
  }

  /** Whether this (document, operation) now runs compiled (for tests and diagnostics). */
  isCompiled(document: DocumentNode, operationName?: string | null): boolean {
    return Boolean(this.entries.get(document)?.get(operationName ?? null)?.compiled);
  }

  private compiled(document: DocumentNode, operationName: string | null): CompiledQuery | null {
    let byOperation = this.entries.get(document);
    if (!byOperation) this.entries.set(document, (byOperation = new Map()));
    let entry = byOperation.get(operationName);
    if (!entry) {
      // Operation names are the client's: a document gets a few entries, not one per name sent.
      if (byOperation.size >= MAX_OPERATIONS_PER_DOCUMENT) return null;
      byOperation.set(operationName, (entry = { runs: 0 }));
    }
    if (entry.compiled !== undefined) return entry.compiled;
    if (++entry.runs < COMPILE_AFTER) return null;
    entry.compiled = compilable(document, operationName) ? compile(this.schema, document, operationName ?? undefined) : null;
    return entry.compiled;
  }

  /** Apollo takes a custom executor only from a "gateway": this one serves a fixed schema. */
  gateway(): GatewayInterface {
    // The operation name the client sent (`request.operationName` is the one Apollo resolved, null
    // when the client's names none of the document's, which graphql-js must be left to refuse).
    const executor: GatewayExecutor = async (request) => this.run(request.document, request.request.operationName, request.context, request.request.variables);
    return {
      onSchemaLoadOrUpdate: (callback) => {
        callback({ apiSchema: this.schema, coreSupergraphSdl: printSchema(this.schema) });
        return () => {};
      },
      load: async () => ({ executor }),
      stop: async () => {},
    };
  }
}

/**
 * graphql-jit reports errors as its own look-alike of GraphQLError, without `extensions` when the
 * cause has none, which Apollo's error formatting cannot take: give them graphql-js's class, with
 * the same message, locations, path and cause (what `formatError` maps to a code).
 */
function withGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  const errors = result.errors.map((error) => {
    const converted = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined, extensions: error.extensions ?? {} });
    (converted as { locations?: GraphQLError['locations'] }).locations = error.locations;
    return converted;
  });
  return { ...result, errors };
}

function compile(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): CompiledQuery | null {
  try {
    const compiled = compileQuery(schema, document, operationName);
    return isCompiledQuery(compiled) ? compiled : null;
  } catch {
    return null;
  }
}

/** Queries only, without introspection (`__schema`, `__type`): those stay with graphql-js. */
function compilable(document: DocumentNode, operationName: string | null): boolean {
  if (getOperationAST(document, operationName)?.operation !== 'query') return false;
  return !selectsIntrospection(document);
}
