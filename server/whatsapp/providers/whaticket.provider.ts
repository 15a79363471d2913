import { WHATSAPP_DELIVERY_TEXTS as T } from '../../platform/messages.js';
import { registerWhatsappInbound } from '../inbound.route.js';
import { WhaticketClient, WhaticketError } from '../whaticket.client.js';
import { httpSuffix } from './provider-errors.js';
import { ProviderError, type WhatsappProviderAdapter } from './provider.js';

const NAME = 'Whaticket';

/**
 * Whaticket (ARCHITECTURE §4), the first adapter: the same route, payloads, client and retry rules
 * as before the port existed. Whaticket returns no message id and reports no delivery statuses.
 */
export const whaticketProvider: WhatsappProviderAdapter = {
  id: 'WHATICKET',
  metricLabel: 'whaticket',
  label: NAME,
  connect(settings, deps) {
    const { url, token } = settings.whaticket;
    if (!url || !token) return { notConfigured: T.whaticketNotConfigured };
    const client = new WhaticketClient({ url, token, fetch: deps.fetch });
    return {
      connection: {
        async sendText(to, text) {
          try {
            await client.send(to, text);
          } catch (error) {
            throw error instanceof WhaticketError ? providerError(error) : error;
          }
          return { providerMessageId: null };
        },
        async sendTemplate() {
          // Whaticket sends free text at any time (no 24-hour window): callers send the text instead.
          throw new ProviderError({ kind: 'rejected', message: 'Whaticket has no templates', userMessage: T.refused({ provider: NAME, http: '' }) });
        },
        async testConnection() {
          return { ok: true, state: 'configured', message: T.whaticketNoCheck };
        },
      },
    };
  },
  registerRoutes: (app, { orm, services }) => registerWhatsappInbound(app, orm, services),
};

function providerError(error: WhaticketError): ProviderError {
  const http = httpSuffix(error.status);
  const base = { message: error.message, status: error.status, cause: error };
  if (error.kind === 'blocked') return new ProviderError({ ...base, kind: 'broken', userMessage: T.urlBlocked({ provider: NAME }) });
  if (error.retryable) return new ProviderError({ ...base, kind: 'retryable', userMessage: T.unavailable({ provider: NAME, http }) });
  if (error.status !== null && error.status >= 300 && error.status < 400) return new ProviderError({ ...base, kind: 'broken', userMessage: T.redirected({ provider: NAME }) });
  // SaaS answers 401 "Acesso não permitido", COMM 403 for an unknown token.
  if (error.status === 401 || error.status === 403) return new ProviderError({ ...base, kind: 'broken', userMessage: T.credentialsRefused({ provider: NAME, http }) });
  return new ProviderError({ ...base, kind: 'rejected', userMessage: T.recipientRefused({ provider: NAME, http }) });
}
