import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureVerdict = 'valid' | 'missing' | 'invalid';

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Checks Meta's `X-Hub-Signature-256: sha256=<hex>` (HMAC-SHA256 keyed with the app secret) over the
 * raw request bytes, in constant time. Meta says it signs "an escaped unicode version of the
 * payload" (`ä` as `\u00e4`, lowercase hex); it sends bodies in that form, so the raw bytes match.
 * Should a body arrive as plain UTF-8 instead, the escaped form of those bytes is tried too: both
 * need the secret, so accepting either weakens nothing (ref whatsapp-cloud-api.md §2).
 */
export function verifyMetaSignature(raw: Buffer, header: string | undefined, appSecret: string): SignatureVerdict {
  const given = header?.trim().replace(/^sha256=/i, '').toLowerCase();
  if (!given) return 'missing';
  if (!HEX_SHA256.test(given) || !appSecret) return 'invalid';
  const expected = Buffer.from(given, 'hex');
  if (timingSafeEqual(hmac(appSecret, raw), expected)) return 'valid';
  if (!hasNonAscii(raw)) return 'invalid';
  return timingSafeEqual(hmac(appSecret, Buffer.from(escapeNonAscii(raw.toString('utf8')), 'utf8')), expected) ? 'valid' : 'invalid';
}

function hmac(secret: string, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

function hasNonAscii(raw: Buffer): boolean {
  for (const byte of raw) if (byte > 0x7f) return true;
  return false;
}

/** Every non-ASCII UTF-16 unit as `\uXXXX` with lowercase hex (astral characters as their surrogate pair). */
export function escapeNonAscii(text: string): string {
  return text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
