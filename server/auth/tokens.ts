import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

/** OWASP's scrypt parameters. One hash takes 128 × N × r bytes (128 MiB) of memory while it runs. */
export const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
/** Node refuses scrypt above 32 MiB by default; room for the current parameters (and older, smaller ones). */
const MAX_SCRYPT_MEMORY = 2 * 128 * SCRYPT.N * SCRYPT.r;
/** Stored hashes asking for more than this are refused, not computed (a corrupt row must not take the memory). */
const MAX_STORED_N = SCRYPT.N;
/**
 * At most this many hashes run at once: each holds 128 MiB, so 40 parallel logins would otherwise
 * ask for 5 GiB. The others wait their turn (a login then takes a little longer under load).
 */
const MAX_CONCURRENT_HASHES = 2;

let running = 0;
const waiting: Array<() => void> = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

function derive(password: string, salt: Buffer, keylen: number, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return limited(() => scrypt(password.normalize('NFKC'), salt, keylen, { ...params, maxmem: MAX_SCRYPT_MEMORY }));
}

/** `scrypt$N$r$p$salt$hash`, parameters stored so they can be raised later without breaking logins. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, 32, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (!(params.N <= MAX_STORED_N && params.r <= SCRYPT.r && params.p <= SCRYPT.p)) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), expected.length, params);
  return timingSafeEqual(actual, expected);
}

/** Whether a stored hash was made with other parameters than today's (it is rehashed at the next login). */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) !== SCRYPT.N || Number(r) !== SCRYPT.r || Number(p) !== SCRYPT.p;
}

/** A hash that costs as much as a real check, so unknown e-mails take as long as wrong passwords. */
export const DUMMY_PASSWORD_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;

/** The token of an `Authorization: Bearer <token>` header, or undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header?.trim() ?? '')?.[1];
}

export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

/** Bearer tokens are high-entropy, so a fast hash is enough to store them. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
