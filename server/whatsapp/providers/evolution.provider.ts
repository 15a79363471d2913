import { WHATSAPP_DELIVERY_TEXTS as T } from '../../platform/messages.js';
import { ProviderError, type WhatsappProviderAdapter } from './provider.js';
import { EvolutionClient } from './evolution.client.js';
import { registerEvolutionInbound } from './evolution.route.js';

/**
 * Evolution API (shared/ref/evolution-api.md), the self-hosted Baileys gateway common in Brazil.
 * Inbound: its webhook (`messages.upsert`, receipts in `messages.update`); outbound: `sendText` with
 * the `apikey` header; "Testar conexão": the instance's connection state.
 */
export const evolutionProvider: WhatsappProviderAdapter = {
  id: 'EVOLUTION',
  metricLabel: 'evolution',
  label: 'Evolution API',
  connect(settings, deps) {
    const { url, apiKey, instance, apiVersion } = settings.evolution;
    const missing = [!url && 'a URL', !apiKey && 'a chave de API', !instance && 'o nome da instância'].filter(Boolean) as string[];
    if (!url || !apiKey || !instance) return { notConfigured: T.notConfigured({ provider: 'Evolution API', fields: joinPt(missing) }) };
    const client = new EvolutionClient({ url, apiKey, instance, apiVersion, fetch: deps.fetch });
    return {
      connection: {
        // Evolution passes `<lid>@lid` to WhatsApp unchanged (ref evolution-api.md §1).
        sendsToLid: true,
        sendText: (to, text) => client.sendText(to, text),
        async sendTemplate() {
          // Baileys gateways have no 24-hour window and no templates: callers send the text.
          throw new ProviderError({ kind: 'rejected', message: 'Evolution API has no templates', userMessage: T.refused({ provider: 'Evolution API', http: '' }) });
        },
        testConnection: () => client.connectionState(),
      },
    };
  },
  registerRoutes(app, deps) {
    registerEvolutionInbound(app, deps, evolutionProvider);
  },
};

/** "a URL, a chave de API e o nome da instância". */
function joinPt(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} e ${items.at(-1)}`;
}
