import type { EntityManager } from '@mikro-orm/postgresql';
import type { Metrics } from './metrics.js';
import { DomainError, domainError } from './errors.js';

/** A session (admin) or an API key, by id: what a revocation names, and what a socket re-checks. */
export type Credential =
  | { kind: 'session'; id: string; userId: string; expiresAt: Date }
  | { kind: 'apiKey'; id: string; keyHash: string };

/** What the HTTP and WebSocket layer needs of a caller; the auth domain's `Tenant` is one. */
export interface Caller {
  credential: Credential;
}

/** How callers are authenticated and re-checked; implemented by the auth domain (`AuthService`). */
export interface CallerAuth<T extends Caller = Caller> {
  authenticate(em: EntityManager, authorization: string | undefined): Promise<T | undefined>;
  /** False once the session ended or the key was revoked. */
  stillValid(em: EntityManager, credential: Credential): Promise<boolean>;
  /** Logouts, password changes and revocations on any instance; returns the unsubscribe. */
  onCredentialsChanged(listener: (change: string | undefined) => void): () => void;
}

/** The settings the HTTP layer reads (a subset of the root `Config`). */
export interface HttpConfig {
  corsOrigins: string[];
  trustProxy: false | number | string[];
  metricsToken: string | undefined;
  publicMetrics: boolean;
}

/** What the HTTP layer uses of the service graph; the composition root passes the whole graph. */
export interface PlatformServices {
  config: HttpConfig;
  metrics: Metrics;
  auth: CallerAuth;
}

/**
 * Per request (HTTP) or per WebSocket operation: the resolved caller and an EntityManager (forked
 * on first use over WebSocket). Generic so that `platform/` knows no domain: the root binds the
 * caller and services types (`wiring/context.ts`).
 */
export interface RequestContext<T extends Caller = Caller, S = unknown> {
  em: EntityManager;
  tenant: T | undefined;
  /** Set when credentials were present but invalid; reported by the first resolver that needs a tenant. */
  authError: DomainError | undefined;
  ip: string;
  services: S;
}

export function tenantOf<T extends Caller>(ctx: Pick<RequestContext<T>, 'tenant' | 'authError'>): T {
  if (ctx.tenant) return ctx.tenant;
  throw ctx.authError ?? domainError('AUTH_REQUIRED');
}

/** Resolves the caller once; invalid credentials become `authError` instead of failing the request early. */
export async function resolveCaller<T extends Caller>(
  auth: CallerAuth<T>,
  em: EntityManager,
  authorization: string | undefined,
): Promise<Pick<RequestContext<T>, 'tenant' | 'authError'>> {
  try {
    return { tenant: await auth.authenticate(em, authorization), authError: undefined };
  } catch (error) {
    if (error instanceof DomainError) return { tenant: undefined, authError: error };
    throw error;
  }
}
