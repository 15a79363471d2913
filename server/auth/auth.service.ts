import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, badInput } from '../platform/errors.js';
import { TtlCache } from '../platform/ttl-cache.js';
import { ApiKey, type ApiKeyScope } from './api-key.entity.js';
import { LoginLimiter } from './login-limiter.js';
import { Session } from './session.entity.js';
import type { Tenant } from './tenant.js';
import { bearerToken, DUMMY_PASSWORD_HASH, hashPassword, hashToken, newToken, verifyPassword } from './tokens.js';
import { User } from './user.entity.js';

const SESSION_TTL_MS = 12 * 60 * 60_000;
const LAST_USED_GRANULARITY_MS = 60_000;
/**
 * How long a process trusts an API key it has checked. `revokeApiKey` evicts the key in this process
 * at once; another process (a second API instance, the CLI) may still accept a key revoked there for
 * up to this long. Unknown and revoked keys are never cached: they are checked every time.
 */
export const API_KEY_CACHE_MS = 5_000;
const API_KEY_CACHE_MAX = 1_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What a checked API key resolves to: plain data, never an entity of some request's EntityManager. */
interface CachedApiKey {
  id: string;
  companyId: string;
  canWrite: boolean;
  label: string;
  /** Epoch ms of the last `last_used_at` written (or read), to write it at most once a minute. */
  lastUsedAt: number | null;
}

export class AuthService {
  /** By key hash (see API_KEY_CACHE_MS). */
  private readonly apiKeys = new TtlCache<CachedApiKey>(API_KEY_CACHE_MS, API_KEY_CACHE_MAX);
  /** Bumped by every revocation: a lookup that started before one must not cache what it read. */
  private apiKeyGeneration = 0;

  constructor(private readonly limiter = new LoginLimiter()) {}

  async login(em: EntityManager, email: string, password: string, ip: string): Promise<{ session: Session; token: string; user: User }> {
    const normalized = email.trim().toLowerCase();
    // Per e-mail: stops guessing one account. Per IP, looser: stops spraying many accounts.
    const keys = [{ key: `email:${normalized}`, max: 5 }, { key: `ip:${ip}`, max: 30 }];
    const wait = this.limiter.retryAfter(keys);
    if (wait > 0) {
      throw new DomainError('RATE_LIMITED', `Muitas tentativas de login. Tente novamente em ${Math.ceil(wait / 60)} min.`, { retryAfterSeconds: wait });
    }
    const user = await em.findOne(User, { email: normalized });
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok) {
      this.limiter.fail(keys);
      throw new DomainError('UNAUTHENTICATED', 'E-mail ou senha incorretos.');
    }
    this.limiter.succeed(keys.slice(0, 1));
    const token = newToken('svs');
    const session = em.create(Session, {
      userId: user.id,
      companyId: user.companyId,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + SESSION_TTL_MS),
      createdAt: new Date(),
    });
    await em.persistAndFlush(session);
    return { session, token, user };
  }

  async logout(em: EntityManager, token: string): Promise<void> {
    await em.nativeDelete(Session, { tokenHash: hashToken(token) });
  }

  /**
   * Resolves a bearer token to a tenant. `undefined` means no credentials were given; a present but
   * invalid, expired or revoked token is an error, never a silent anonymous request.
   */
  async authenticate(em: EntityManager, authorization: string | undefined): Promise<Tenant | undefined> {
    if (!authorization?.trim()) return undefined;
    const token = bearerToken(authorization);
    if (!token) throw new DomainError('UNAUTHENTICATED', 'Cabeçalho Authorization inválido: use "Bearer <token>".');
    const hash = hashToken(token);

    if (token.startsWith('svk_')) {
      const now = Date.now();
      const key = this.apiKeys.get(hash) ?? (await this.loadApiKey(em, hash));
      if (!key) throw new DomainError('UNAUTHENTICATED', 'Chave de API inválida ou revogada.');
      if (key.lastUsedAt === null || now - key.lastUsedAt > LAST_USED_GRANULARITY_MS) {
        key.lastUsedAt = now; // before the write: concurrent requests of this process do not repeat it
        await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: new Date(now) });
      }
      return {
        companyId: key.companyId,
        kind: 'apiKey',
        userId: null,
        canWrite: key.canWrite,
        isAdmin: false,
        actor: { type: 'API_KEY', id: key.id, label: key.label },
      };
    }

    const session = await em.findOne(Session, { tokenHash: hash, expiresAt: { $gt: new Date() } });
    if (!session) throw new DomainError('UNAUTHENTICATED', 'Sessão inválida ou expirada. Entre novamente.');
    const user = await em.findOne(User, { id: session.userId });
    if (!user) throw new DomainError('UNAUTHENTICATED', 'Sessão inválida ou expirada. Entre novamente.');
    return {
      companyId: session.companyId,
      kind: 'user',
      userId: user.id,
      canWrite: true,
      isAdmin: true,
      actor: { type: 'ADMIN', id: user.id, label: user.email },
    };
  }

  async me(em: EntityManager, tenant: Tenant): Promise<User | null> {
    if (!tenant.userId) return null;
    return em.findOne(User, { id: tenant.userId, companyId: tenant.companyId });
  }

  async createAdmin(em: EntityManager, input: { companyId: string; email: string; password: string; name?: string }): Promise<User> {
    const email = input.email.trim().toLowerCase();
    if (!EMAIL.test(email)) throw badInput(`E-mail inválido: "${input.email}"`);
    if (input.password.length < 8) throw badInput('A senha precisa ter pelo menos 8 caracteres.');
    if (await em.findOne(User, { email })) throw new DomainError('CONFLICT', `Já existe um administrador com o e-mail ${email}.`);
    const user = em.create(User, {
      companyId: input.companyId,
      email,
      name: input.name ?? '',
      passwordHash: await hashPassword(input.password),
      role: 'ADMIN',
      createdAt: new Date(),
    });
    await em.persistAndFlush(user);
    return user;
  }

  async createApiKey(em: EntityManager, input: { companyId: string; scope: ApiKeyScope; name?: string }): Promise<{ key: ApiKey; token: string }> {
    const token = newToken('svk');
    const key = em.create(ApiKey, {
      companyId: input.companyId,
      scope: input.scope,
      name: input.name ?? '',
      keyHash: hashToken(token),
      prefix: token.slice(0, 10),
      createdAt: new Date(),
    });
    await em.persistAndFlush(key);
    return { key, token };
  }

  /**
   * Revokes a key; this process refuses it from the next request on (other processes: see
   * API_KEY_CACHE_MS). Evicts again after the update, for a lookup that read the row meanwhile; a
   * caller running this inside its own transaction should call `forgetApiKey` after the commit.
   */
  async revokeApiKey(em: EntityManager, companyId: string, id: string): Promise<boolean> {
    this.forgetApiKey(id);
    try {
      const changed = await em.nativeUpdate(ApiKey, { id, companyId, revokedAt: null }, { revokedAt: new Date() });
      return changed > 0;
    } finally {
      this.forgetApiKey(id);
    }
  }

  /** Drops a key from this process's cache (any lookup in flight will not cache it either). */
  forgetApiKey(id: string): void {
    this.apiKeyGeneration += 1;
    this.apiKeys.deleteWhere((key) => key.id === id);
  }

  private async loadApiKey(em: EntityManager, hash: string): Promise<CachedApiKey | undefined> {
    const generation = this.apiKeyGeneration;
    const row = await em.findOne(ApiKey, { keyHash: hash });
    if (!row || row.revokedAt) return undefined;
    const key: CachedApiKey = {
      id: row.id,
      companyId: row.companyId,
      canWrite: row.scope === 'write',
      label: row.name || `chave ${row.prefix}`,
      lastUsedAt: row.lastUsedAt?.getTime() ?? null,
    };
    if (generation === this.apiKeyGeneration) this.apiKeys.set(hash, key);
    return key;
  }
}
