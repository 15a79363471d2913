import type { WhatsappProviderAdapter, WhatsappProviderId } from './provider.js';
import { cloudProvider } from './cloud.provider.js';
import { evolutionProvider } from './evolution.provider.js';
import { whaticketProvider } from './whaticket.provider.js';

/**
 * The adapters the product knows, by provider id. A new gateway is one adapter added to
 * `DEFAULT_PROVIDERS` (the Cloud API adapter plugs in here); its routes are registered from it
 * (`registerProviderRoutes`) and the outbox finds it by the company's `whatsappProvider`.
 */
export class ProviderRegistry {
  private readonly adapters = new Map<WhatsappProviderId, WhatsappProviderAdapter>();

  constructor(adapters: WhatsappProviderAdapter[]) {
    for (const adapter of adapters) this.adapters.set(adapter.id, adapter);
  }

  /** By id (a company's `whatsappProvider`, or an outbound row's `provider`). */
  get(id: string): WhatsappProviderAdapter | undefined {
    return this.adapters.get(id as WhatsappProviderId);
  }

  all(): WhatsappProviderAdapter[] {
    return [...this.adapters.values()];
  }
}

export const DEFAULT_PROVIDERS: WhatsappProviderAdapter[] = [
  whaticketProvider,
  evolutionProvider,
  cloudProvider,
];
