import { createSourceEventStream, execute, parse, specifiedRules, validate, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError, type GraphQLSchema } from 'graphql';
import { isAsyncIterable } from 'graphql/jsutils/isAsyncIterable.js';
import { isPromise } from 'graphql/jsutils/isPromise.js';
import type { PromiseOrValue } from 'graphql/jsutils/PromiseOrValue.js';
import { cleanDocument } from '../../shared/input-text.js';
import { extraValidationRules } from '../graphql-limits.js';

/** Distinct subscription query texts kept parsed and validated; the oldest is evicted beyond either bound. */
export const MAX_CACHED_DOCUMENTS = 500;
/** A parsed document takes ~60 bytes of heap per character of query text: this caps the cache near 16 MB. */
export const MAX_CACHED_QUERY_CHARS = 256 * 1024;
/** Longer texts (far beyond any real subscription) are parsed for each subscription instead. */
const MAX_CACHED_QUERY_LENGTH = 16 * 1024;

export interface CheckedDocument {
  document: DocumentNode;
  /** Empty when the document is valid. */
  errors: readonly GraphQLError[];
}

/**
 * Parses and validates (`specifiedRules` and the HTTP rules) each distinct query text once, so
 * every subscriber sending the same text shares one document. Syntax errors throw, as graphql-ws's
 * own `parse` does, and are not cached.
 */
export function subscriptionDocuments(schema: GraphQLSchema): (query: string) => CheckedDocument {
  const rules = [...specifiedRules, ...extraValidationRules];
  const cache = new Map<string, CheckedDocument>();
  let cachedChars = 0;
  return (query) => {
    const cached = cache.get(query);
    if (cached) return cached;
    const document = cleanDocument(parse(query));
    const checked = { document, errors: validate(schema, document, rules) };
    if (query.length <= MAX_CACHED_QUERY_LENGTH) {
      // Map iteration follows insertion order: the first key is the oldest.
      while (cache.size >= MAX_CACHED_DOCUMENTS || cachedChars + query.length > MAX_CACHED_QUERY_CHARS) {
        const oldest = cache.keys().next().value!;
        cache.delete(oldest);
        cachedChars -= oldest.length;
      }
      cache.set(query, checked);
      cachedChars += query.length;
    }
    return checked;
  };
}

/**
 * graphql's `subscribe`, except that one event is executed once per (document, operation,
 * variables) and the result shared by every subscriber that sent them: an event reaches all local
 * subscribers of its company as the same object, and what a subscription selects depends only on the
 * event (no field of a change reads the caller), so 200 subscribers of one company cost one execution.
 */
export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  const key = `${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
  return mapEvents(stream[Symbol.asyncIterator](), (event: unknown) => {
    if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let byDocument = sharedResults.get(event);
    if (!byDocument) sharedResults.set(event, (byDocument = new WeakMap()));
    let byKey = byDocument.get(args.document);
    if (!byKey) byDocument.set(args.document, (byKey = new Map()));
    let result = byKey.get(key);
    if (!result) byKey.set(key, (result = execute({ ...args, rootValue: event })));
    return result;
  });
}
const sharedResults = new WeakMap<object, WeakMap<DocumentNode, Map<string, PromiseOrValue<ExecutionResult>>>>();

/**
 * `source` with each event mapped to its result, with one promise per event (graphql-js's
 * `mapAsyncIterator` takes several): this runs once per event per subscriber. A mapping error ends
 * the source and is thrown to the consumer (graphql-ws sends it as the subscription's error).
 */
function mapEvents(source: AsyncIterator<unknown>, map: (event: unknown) => PromiseOrValue<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const close = async () => {
    await source.return?.().catch(() => {});
  };
  const settle = (step: IteratorResult<unknown>): PromiseOrValue<IteratorResult<ExecutionResult>> => {
    if (step.done) return { value: undefined, done: true };
    let result: PromiseOrValue<ExecutionResult>;
    try {
      result = map(step.value);
    } catch (error) {
      return close().then(() => Promise.reject(error));
    }
    return isPromise(result) ? result.then((value) => ({ value, done: false }), (error) => close().then(() => Promise.reject(error))) : { value: result, done: false };
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: () => source.next().then(settle),
    return: async () => {
      await close();
      return { value: undefined, done: true };
    },
    throw: async (error?: unknown) => {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
