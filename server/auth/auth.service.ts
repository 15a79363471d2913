import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, type Actor } from '../audit/audit.service.js';
import { isUuid } from '../shared/ids.js';
import { domainError } from '../platform/errors.js';
import { TtlCache } from '../platform/ttl-cache.js';
import { ApiKey, type ApiKeyScope } from './api-key.entity.js';
import { LoginLimiter, type LimitKey } from './login-limiter.js';
import { Session } from './session.entity.js';
import { requireAdmin, type Credential, type Tenant } from './tenant.js';
import { bearerToken, DUMMY_PASSWORD_HASH, hashPassword, hashToken, needsRehash, newToken, verifyPassword } from './tokens.js';
import { User } from './user.entity.js';

const SESSION_TTL_MS = 12 * 60 * 60_000;
const LAST_USED_GRANULARITY_MS = 60_000;
/**
 * How long a process trusts an API key it has checked. A revocation (here, on another instance or by
 * the CLI) is announced on CREDENTIALS_CHANNEL and evicts the key everywhere at once; this only
 * bounds a notification lost while an instance's LISTEN connection was down (it then drops every
 * cached key on reconnect anyway). Unknown and revoked keys are never cached.
 */
export const API_KEY_CACHE_MS = 5_000;
const API_KEY_CACHE_MAX = 1_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MIN_PASSWORD = 8;
/** Failed logins per account (from unknown IPs, or per known IP) and per IP, in 15 minutes. */
export const LOGIN_LIMIT_PER_ACCOUNT = 5;
export const LOGIN_LIMIT_PER_IP = 30;
const KNOWN_LOGIN_IPS = 5;

/**
 * PostgreSQL NOTIFY channel naming a credential whose validity changed: `session:<id>`,
 * `user:<id>` (some of that admin's sessions) or `apikey:<id>`. Every instance drops the cached key
 * and re-checks the WebSockets that use it.
 */
export const CREDENTIALS_CHANNEL = 'secretaria_credentials';

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
  private readonly changeListeners = new Set<(change: string | undefined) => void>();

  constructor(private readonly limiter = new LoginLimiter()) {}

  /**
   * Every attempt is counted before the password is checked. Budgets: per IP, and per account,
   * except that from an IP this admin signed in from before the account has a budget of its own,
   * so failures sent from elsewhere cannot keep the admin out.
   */
  async login(em: EntityManager, email: string, password: string, ip: string): Promise<{ session: Session; token: string; user: User }> {
    const normalized = email.trim().toLowerCase();
    const user = await em.findOne(User, { email: normalized });
    const known = user?.knownLoginIps.includes(ip) ?? false;
    const account: LimitKey = { key: known ? `account:${normalized}@${ip}` : `account:${normalized}`, max: LOGIN_LIMIT_PER_ACCOUNT };
    const byIp: LimitKey = { key: `ip:${ip}`, max: LOGIN_LIMIT_PER_IP };
    const wait = this.limiter.attempt([account, byIp]);
    if (wait > 0) {
      throw domainError('LOGIN_RATE_LIMITED', { minutes: Math.ceil(wait / 60) }, { retryAfterSeconds: wait });
    }
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok) throw domainError('LOGIN_FAILED');
    this.limiter.succeed([account], [byIp]);

    // Hashes made with older (cheaper) parameters are replaced now that the password is at hand.
    if (needsRehash(user.passwordHash)) user.passwordHash = await hashPassword(password);
    if (user.knownLoginIps[0] !== ip) user.knownLoginIps = [ip, ...user.knownLoginIps.filter((known) => known !== ip)].slice(0, KNOWN_LOGIN_IPS);
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
    const ended = await em.getConnection().execute<Array<{ id: string }>>('delete from sessions where token_hash = ? returning id', [hashToken(token)]);
    for (const { id } of ended) await this.announce(em, `session:${id}`);
  }

  /** Ends every session of the calling admin, this one included. */
  async logoutEverywhere(em: EntityManager, tenant: Tenant): Promise<number> {
    const userId = requireSession(tenant).userId;
    const ended = await em.nativeDelete(Session, { userId });
    await this.announce(em, `user:${userId}`);
    return ended;
  }

  /** Changes the calling admin's password and ends their other sessions (this one stays). */
  async changePassword(em: EntityManager, tenant: Tenant, current: string, next: string): Promise<void> {
    const session = requireSession(tenant);
    if (next.length < MIN_PASSWORD) throw domainError('NEW_PASSWORD_TOO_SHORT', { min: MIN_PASSWORD });
    if (next === current) throw domainError('NEW_PASSWORD_SAME');
    const user = await em.findOneOrFail(User, { id: session.userId, companyId: tenant.companyId });
    if (!(await verifyPassword(current, user.passwordHash))) throw domainError('PASSWORD_WRONG');
    const passwordHash = await hashPassword(next);
    await em.transactional(async (tx) => {
      await tx.nativeUpdate(User, { id: user.id }, { passwordHash });
      await tx.nativeDelete(Session, { userId: user.id, id: { $ne: session.id } });
      audit(tx, tenant.companyId, tenant.actor, 'user.password_changed', `user:${user.id}`);
      await this.announce(tx, `user:${user.id}`);
    });
  }

  /**
   * Resolves a bearer token to a tenant. `undefined` means no credentials were given; a present but
   * invalid, expired or revoked token is an error, never a silent anonymous request.
   */
  async authenticate(em: EntityManager, authorization: string | undefined): Promise<Tenant | undefined> {
    if (!authorization?.trim()) return undefined;
    const token = bearerToken(authorization);
    if (!token) throw domainError('AUTH_HEADER_INVALID');
    const hash = hashToken(token);

    if (token.startsWith('svk_')) {
      const key = await this.checkedApiKey(em, hash);
      if (!key) throw domainError('API_KEY_INVALID');
      return {
        companyId: key.companyId,
        kind: 'apiKey',
        userId: null,
        canWrite: key.canWrite,
        isAdmin: false,
        actor: { type: 'API_KEY', id: key.id, label: key.label },
        credential: { kind: 'apiKey', id: key.id, keyHash: hash },
      };
    }

    const session = await em.findOne(Session, { tokenHash: hash, expiresAt: { $gt: new Date() } });
    if (!session) throw domainError('SESSION_INVALID');
    const user = await em.findOne(User, { id: session.userId });
    if (!user) throw domainError('SESSION_INVALID');
    return {
      companyId: session.companyId,
      kind: 'user',
      userId: user.id,
      canWrite: true,
      isAdmin: true,
      actor: { type: 'ADMIN', id: user.id, label: user.email },
      credential: { kind: 'session', id: session.id, userId: user.id, expiresAt: session.expiresAt },
    };
  }

  /** Whether a credential checked earlier (by a WebSocket, at connect) is still valid now. */
  async stillValid(em: EntityManager, credential: Credential): Promise<boolean> {
    if (credential.kind === 'apiKey') return (await this.checkedApiKey(em, credential.keyHash))?.id === credential.id;
    if (credential.expiresAt.getTime() <= Date.now()) return false;
    return (await em.count(Session, { id: credential.id, expiresAt: { $gt: new Date() } })) > 0;
  }

  /** Told of every credential change announced on CREDENTIALS_CHANNEL (`undefined`: anything may have changed). */
  onCredentialsChanged(listener: (change: string | undefined) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Handles a CREDENTIALS_CHANNEL notification (from any instance or the CLI, this one included). */
  credentialsChanged(change: string | undefined): void {
    if (change === undefined) {
      this.apiKeyGeneration += 1;
      this.apiKeys.clear();
    } else if (change.startsWith('apikey:')) {
      this.forgetApiKey(change.slice('apikey:'.length));
    }
    for (const listener of this.changeListeners) listener(change);
  }

  async me(em: EntityManager, tenant: Tenant): Promise<User | null> {
    if (!tenant.userId) return null;
    return em.findOne(User, { id: tenant.userId, companyId: tenant.companyId });
  }

  async createAdmin(em: EntityManager, input: { companyId: string; email: string; password: string; name?: string }): Promise<User> {
    const email = input.email.trim().toLowerCase();
    if (!EMAIL.test(email)) throw domainError('ADMIN_EMAIL_INVALID', { email: input.email });
    if (input.password.length < MIN_PASSWORD) throw domainError('PASSWORD_TOO_SHORT', { min: MIN_PASSWORD });
    if (await em.findOne(User, { email })) throw domainError('ADMIN_EMAIL_TAKEN', { email });
    const user = em.create(User, {
      companyId: input.companyId,
      email,
      name: input.name ?? '',
      passwordHash: await hashPassword(input.password),
      role: 'ADMIN',
      knownLoginIps: [],
      createdAt: new Date(),
    });
    await em.persistAndFlush(user);
    return user;
  }

  /** The company's keys, newest first; revoked ones only when asked (the CLI lists them too). */
  async listApiKeys(em: EntityManager, companyId: string, options: { includeRevoked?: boolean } = {}): Promise<ApiKey[]> {
    return em.find(ApiKey, { companyId, ...(options.includeRevoked ? {} : { revokedAt: null }) }, { orderBy: { createdAt: 'desc', id: 'asc' } });
  }

  /** `actor`: who did it, audited (an admin in the panel); the operator's CLI is not audited. */
  async createApiKey(em: EntityManager, input: { companyId: string; scope: ApiKeyScope; name?: string }, actor?: Actor): Promise<{ key: ApiKey; token: string }> {
    const name = (input.name ?? '').trim();
    if (name.length > 100) throw domainError('API_KEY_NAME_TOO_LONG');
    const token = newToken('svk');
    const key = em.create(ApiKey, {
      companyId: input.companyId,
      scope: input.scope,
      name,
      keyHash: hashToken(token),
      prefix: token.slice(0, 10),
      createdAt: new Date(),
    });
    if (actor) audit(em, input.companyId, actor, 'api_key.created', `api_key:${key.id}`, { name, scope: input.scope, prefix: key.prefix });
    await em.persistAndFlush(key);
    return { key, token };
  }

  /**
   * Revokes a key (of `companyId` when given; the CLI names keys by id alone) and announces it: every
   * instance stops accepting it and closes its WebSockets within moments. False when there was no
   * such active key.
   */
  async revokeApiKey(em: EntityManager, companyId: string | undefined, id: string, actor?: Actor): Promise<boolean> {
    if (!isUuid(id)) return false;
    this.forgetApiKey(id);
    try {
      return await em.transactional(async (tx) => {
        const revoked = await tx.getConnection().execute<Array<{ company_id: string }>>(
          `update api_keys set revoked_at = now() where id = ? and revoked_at is null${companyId ? ' and company_id = ?' : ''} returning company_id`,
          companyId ? [id, companyId] : [id], 'all', tx.getTransactionContext(),
        );
        if (revoked.length === 0) return false;
        if (actor) audit(tx, revoked[0]!.company_id, actor, 'api_key.revoked', `api_key:${id}`);
        await this.announce(tx, `apikey:${id}`);
        return true;
      });
    } finally {
      // Again after the update, for a lookup that read the row meanwhile.
      this.forgetApiKey(id);
    }
  }

  /** Drops a key from this process's cache (any lookup in flight will not cache it either). */
  forgetApiKey(id: string): void {
    this.apiKeyGeneration += 1;
    this.apiKeys.deleteWhere((key) => key.id === id);
  }

  private async checkedApiKey(em: EntityManager, hash: string): Promise<CachedApiKey | undefined> {
    const now = Date.now();
    const key = this.apiKeys.get(hash) ?? (await this.loadApiKey(em, hash));
    if (key && (key.lastUsedAt === null || now - key.lastUsedAt > LAST_USED_GRANULARITY_MS)) {
      key.lastUsedAt = now; // before the write: concurrent requests of this process do not repeat it
      await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: new Date(now) });
    }
    return key;
  }

  /** pg_notify in the caller's transaction (if any): announced if and only if the change commits. */
  private async announce(em: EntityManager, change: string): Promise<void> {
    await em.getConnection().execute('select pg_notify(?, ?)', [CREDENTIALS_CHANNEL, change], 'get', em.getTransactionContext());
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

/** Session-only operations (password, sessions): an API key has neither. */
function requireSession(tenant: Tenant): Extract<Credential, { kind: 'session' }> {
  requireAdmin(tenant);
  if (tenant.credential.kind !== 'session') throw domainError('ADMIN_ONLY');
  return tenant.credential;
}
