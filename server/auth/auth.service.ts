import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, badInput } from '../platform/errors.js';
import { ApiKey, type ApiKeyScope } from './api-key.entity.js';
import { LoginLimiter } from './login-limiter.js';
import { Session } from './session.entity.js';
import type { Tenant } from './tenant.js';
import { bearerToken, DUMMY_PASSWORD_HASH, hashPassword, hashToken, newToken, verifyPassword } from './tokens.js';
import { User } from './user.entity.js';

const SESSION_TTL_MS = 12 * 60 * 60_000;
const LAST_USED_GRANULARITY_MS = 60_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class AuthService {
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
      const key = await em.findOne(ApiKey, { keyHash: hash });
      if (!key || key.revokedAt) throw new DomainError('UNAUTHENTICATED', 'Chave de API inválida ou revogada.');
      const now = Date.now();
      if (!key.lastUsedAt || now - key.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
        await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: new Date(now) });
      }
      return {
        companyId: key.companyId,
        kind: 'apiKey',
        userId: null,
        canWrite: key.scope === 'write',
        isAdmin: false,
        actor: { type: 'API_KEY', id: key.id, label: key.name || `chave ${key.prefix}` },
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

  async revokeApiKey(em: EntityManager, companyId: string, id: string): Promise<boolean> {
    const changed = await em.nativeUpdate(ApiKey, { id, companyId, revokedAt: null }, { revokedAt: new Date() });
    return changed > 0;
  }
}
