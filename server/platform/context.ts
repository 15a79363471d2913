import type { EntityManager } from '@mikro-orm/postgresql';
import type { Tenant } from '../auth/tenant.js';
import { DomainError, domainError } from './errors.js';
import type { Services } from '../wiring/services.js';

/** Per request (HTTP) or per WebSocket operation: the resolved caller and an EntityManager (forked on first use over WebSocket). */
export interface RequestContext {
  em: EntityManager;
  tenant: Tenant | undefined;
  /** Set when credentials were present but invalid; reported by the first resolver that needs a tenant. */
  authError: DomainError | undefined;
  ip: string;
  services: Services;
}

export function tenantOf(ctx: RequestContext): Tenant {
  if (ctx.tenant) return ctx.tenant;
  throw ctx.authError ?? domainError('AUTH_REQUIRED');
}

/** Resolves the caller once; invalid credentials become `authError` instead of failing the request early. */
export async function resolveCaller(
  services: Services,
  em: EntityManager,
  authorization: string | undefined,
): Promise<Pick<RequestContext, 'tenant' | 'authError'>> {
  try {
    return { tenant: await services.auth.authenticate(em, authorization), authError: undefined };
  } catch (error) {
    if (error instanceof DomainError) return { tenant: undefined, authError: error };
    throw error;
  }
}
