import { CLOUD_API_TEXTS as C, WHATSAPP_DELIVERY_TEXTS as T } from '../../platform/messages.js';
import { replyButtons } from './cloud-outbound.js';
import { registerCloudRoutes } from './cloud.route.js';
import { CloudApiClient, CloudApiError, type CloudSent } from './cloud.client.js';
import { httpSuffix } from './provider-errors.js';
import { ProviderError, type WhatsappProviderAdapter } from './provider.js';

export const CLOUD_PROVIDER_NAME = 'WhatsApp Cloud API';
/** Meta's customer-service window: free-form messages only within 24 h of the person's last message. */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * The WhatsApp Business Cloud API (Meta), ARCHITECTURE §10 and ref whatsapp-cloud-api.md: inbound
 * `GET|POST /api/whatsapp/cloud/:companyId` (verify handshake; deliveries signed with the app
 * secret), outbound to `{graph}/{version}/{phone-number-id}/messages` with the access token. Replies
 * that offer numbered options go as reply buttons (text fallback); outside the 24-hour window only a
 * template goes, which the outbox asks for (`window_closed`, `customerServiceWindowMs`).
 */
export const cloudProvider: WhatsappProviderAdapter = {
  id: 'CLOUD_API',
  metricLabel: 'cloud',
  label: CLOUD_PROVIDER_NAME,
  connect(settings, deps) {
    const cloud = settings.cloud;
    if (!cloud.phoneNumberId || !cloud.accessToken) {
      return { notConfigured: T.notConfigured({ provider: CLOUD_PROVIDER_NAME, fields: 'o ID do número de telefone e o token de acesso' }) };
    }
    const client = new CloudApiClient({ url: cloud.apiUrl, version: cloud.apiVersion, phoneNumberId: cloud.phoneNumberId, accessToken: cloud.accessToken, fetch: deps.fetch });
    const call = async (send: () => Promise<CloudSent>) => {
      try {
        return { providerMessageId: (await send()).messageId };
      } catch (error) {
        throw error instanceof CloudApiError ? providerError(error) : error;
      }
    };
    return {
      connection: {
        customerServiceWindowMs: CUSTOMER_SERVICE_WINDOW_MS,
        async sendText(to, text) {
          const buttons = replyButtons(text);
          if (!buttons) return call(() => client.sendText(to, text));
          try {
            return { providerMessageId: (await client.sendButtons(to, text, buttons)).messageId, form: 'BUTTONS' };
          } catch (error) {
            // Meta refused the interactive form itself (a title it does not take, an old client):
            // the same text still carries the options, so send it plain.
            if (error instanceof CloudApiError && error.kind === 'rejected') return call(() => client.sendText(to, text));
            throw error instanceof CloudApiError ? providerError(error) : error;
          }
        },
        async sendTemplate(to, template) {
          const name = template.name ?? cloud.reminderTemplate;
          if (!name) {
            throw new ProviderError({ kind: 'rejected', message: 'Cloud API: outside the 24-hour window and no reminder template configured', userMessage: C.templateMissing });
          }
          return call(() => client.sendTemplate(to, { name, language: template.language ?? cloud.templateLanguage, parameters: template.parameters }));
        },
        async testConnection() {
          try {
            const number = await client.phoneNumber();
            const label = [number.displayPhoneNumber, number.verifiedName].filter(Boolean).join(', ');
            return { ok: true, state: number.qualityRating ?? 'ok', message: C.connectionOk({ number: label || number.id, quality: number.qualityRating ?? '—' }) };
          } catch (error) {
            if (!(error instanceof CloudApiError)) throw error;
            return { ok: false, state: error.code !== null ? `erro ${error.code}` : httpSuffix(error.status).trim() || error.kind, message: providerError(error).userMessage };
          }
        },
      },
    };
  },
  registerRoutes: (app, deps) => registerCloudRoutes(app, deps, cloudProvider),
};

/** Meta's error, in the port's terms, with the pt-BR line the panel shows. */
export function providerError(error: CloudApiError): ProviderError {
  const base = { message: error.message, status: error.status, code: error.code === null ? null : String(error.code), cause: error };
  const http = httpSuffix(error.status);
  switch (error.kind) {
    case 'window_closed':
      return new ProviderError({ ...base, kind: 'window_closed', userMessage: C.windowClosed });
    case 'rate_limited':
      return new ProviderError({ ...base, kind: 'retryable', userMessage: C.rateLimited({ code: String(error.code ?? error.status ?? '') }) });
    case 'server':
    case 'network':
    case 'timeout':
      return new ProviderError({ ...base, kind: 'retryable', userMessage: T.unavailable({ provider: CLOUD_PROVIDER_NAME, http }) });
    case 'token':
      return new ProviderError({ ...base, kind: 'broken', userMessage: error.code === 190 ? C.tokenExpired : T.credentialsRefused({ provider: CLOUD_PROVIDER_NAME, http }) });
    case 'blocked':
      return new ProviderError({ ...base, kind: 'broken', userMessage: T.urlBlocked({ provider: CLOUD_PROVIDER_NAME }) });
    case 'template':
      return new ProviderError({ ...base, kind: 'rejected', userMessage: C.templateRefused({ code: String(error.code) }) });
    case 'invalid_input':
    case 'rejected':
      return new ProviderError({ ...base, kind: 'rejected', userMessage: error.code === 131026 ? T.recipientRefused({ provider: CLOUD_PROVIDER_NAME, http }) : C.refused({ code: String(error.code ?? error.status ?? '') }) });
  }
}
