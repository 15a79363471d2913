import { visit, type DocumentNode } from 'graphql';

/**
 * The one rule for text from outside (request bodies, query strings and path parameters, GraphQL
 * arguments over HTTP and WebSocket, stored Cal.com deliveries, Cal.com API answers):
 *
 * - U+0000 is removed. JSON may carry it (`"\u0000"` is valid JSON) but PostgreSQL `text` and `jsonb`
 *   cannot hold it, and nobody means it: refusing a signed Cal.com booking over it would lose the
 *   booking (Cal.com does not retry), so it is dropped instead.
 * - A lone UTF-16 surrogate (`"\ud800"` in JSON) becomes U+FFFD, which is what encoding it to UTF-8
 *   would store anyway; doing it here keeps what we validate equal to what we store.
 *
 * Everything else (RTL marks, other control characters, any length) is kept: each field's own
 * validation bounds its length and decides what it accepts. Signatures are verified over the raw
 * bytes before this runs.
 */
export function cleanText(text: string): string {
  return NEEDS_CLEANING.test(text) ? text.replace(UNSTORABLE, (c) => (c === '\0' ? '' : '\uFFFD')) : text;
}

const NEEDS_CLEANING = /\0|\p{Cs}/u;
const UNSTORABLE = /\0|\p{Cs}/gu;

/** `cleanText` on every string of a parsed JSON value (keys included); other values as they are. */
export function cleanJson<T>(value: T): T {
  return clean(value, 0) as T;
}

/** JSON.parse's reviver form of the rule (values are revived bottom-up, so keys are cleaned here too). */
export function cleanJsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).some((k) => NEEDS_CLEANING.test(k))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanText(k), v]));
  }
  return value;
}

/** Deeper than any real input; the JSON parser and GraphQL already bound nesting. */
const MAX_DEPTH = 64;

function clean(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = clean(value[i], depth + 1);
    return value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const cleaned = cleanText(key);
    const item = clean(record[key], depth + 1);
    if (cleaned !== key) {
      delete record[key];
      record[cleaned] = item;
    } else record[key] = item;
  }
  return record;
}

/** Documents already cleaned: Apollo hands the same cached object to every request with that text. */
const cleanedDocuments = new WeakSet<DocumentNode>();

/**
 * The rule on a GraphQL document's string literals (`login(email: "x\u0000@y.z")`): variables arrive
 * as JSON and are cleaned with it, literals are decoded by the GraphQL parser. In place: parsed
 * documents are cached by their text (Apollo's LRU, the WebSocket's cache), and cleaning is idempotent,
 * so the cached copy simply becomes the clean one and per-document caches keep working. A document
 * is walked once (the walk was 1.5% of a list request's CPU when repeated for every request).
 */
export function cleanDocument(document: DocumentNode): DocumentNode {
  if (cleanedDocuments.has(document)) return document;
  visit(document, {
    StringValue(node) {
      if (NEEDS_CLEANING.test(node.value)) (node as { value: string }).value = cleanText(node.value);
    },
  });
  cleanedDocuments.add(document);
  return document;
}
