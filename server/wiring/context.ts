import type { Tenant } from '../auth/tenant.js';
import type { RequestContext as PlatformRequestContext } from '../platform/context.js';
import type { Services } from './services.js';

/** The GraphQL/REST context of this application: platform's context bound to our caller and services. */
export type RequestContext = PlatformRequestContext<Tenant, Services>;
