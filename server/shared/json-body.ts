import { cleanJsonValue } from './input-text.js';

/**
 * Strict JSON for bytes from outside: the HTTP parser and the worker that applies stored Cal.com
 * deliveries read bodies the same way, without the worker loading the HTTP stack.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export class InvalidBody extends Error {
  override name = 'InvalidBody';
  readonly statusCode = 400;
  readonly code = 'BAD_REQUEST';
}

/** UTF-8 decoding that refuses malformed bytes, then JSON without prototype keys. */
export function decodeUtf8(body: Buffer): string {
  try {
    return UTF8.decode(body);
  } catch {
    throw new InvalidBody('O corpo não é UTF-8 válido.');
  }
}

export function parseJsonBody(body: Buffer): unknown {
  const text = decodeUtf8(body);
  if (text.trim() === '') throw new InvalidBody('Corpo JSON vazio.');
  try {
    // `__proto__` keys are dropped and the input-text rule applied (the reviver costs a call per
    // value, so only when one may be there: a NUL or a lone surrogate can only come as a \u escape,
    // since raw control characters are invalid JSON and surrogates invalid UTF-8).
    return /proto|\\u/.test(text) ? JSON.parse(text, revive) : JSON.parse(text);
  } catch {
    throw new InvalidBody('O corpo não é um JSON válido.');
  }
}

function revive(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : cleanJsonValue(key, value);
}
