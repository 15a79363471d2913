import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/** AES-256-GCM for tenant secrets at rest (Cal.com key, webhook secret, Whaticket token). */
export class SecretBox {
  private readonly key: Buffer;

  constructor(appSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', appSecret, 'secretaria-virtual', 'company-secrets/v1', 32));
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, data] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('Unrecognised secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  encryptOptional(plain: string | null | undefined): string | null {
    return plain ? this.encrypt(plain) : null;
  }

  decryptOptional(sealed: string | null): string | null {
    return sealed ? this.decrypt(sealed) : null;
  }
}

/**
 * `cal_live_abcdef1234` → `****1234`: enough to recognise a key, never enough to use it. Nothing
 * else of the secret shows (a "prefix" may be words an admin chose); short secrets show nothing.
 */
export function maskSecret(plain: string | null): string | null {
  if (!plain) return null;
  return plain.length > 8 ? `****${plain.slice(-4)}` : '****';
}
