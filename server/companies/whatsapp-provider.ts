/**
 * The WhatsApp gateways a company can use (ARCHITECTURE §10) and the settings each needs. Defined
 * here, with the company, because the settings are columns of `companies`; `whatsapp/providers/`
 * holds the adapters that use them.
 */
export const WHATSAPP_PROVIDERS = ['WHATICKET', 'EVOLUTION', 'CLOUD_API'] as const;
export type WhatsappProviderId = (typeof WHATSAPP_PROVIDERS)[number];

/**
 * The lowercase names operators type (CLI `--whatsapp-provider`, `DEMO_WHATSAPP_PROVIDER`) → the stored
 * id. A Map, not an object literal: a typed "constructor" must not find Object's own properties.
 */
export const WHATSAPP_PROVIDER_NAMES: ReadonlyMap<string, WhatsappProviderId> = new Map([
  ['whaticket', 'WHATICKET'],
  ['evolution', 'EVOLUTION'],
  ['cloud', 'CLOUD_API'],
]);

export const DEFAULT_CLOUD_API_URL = 'https://graph.facebook.com';
/** Meta's OpenAPI description is v23.0; newer versions work the same for what we call. */
export const DEFAULT_CLOUD_API_VERSION = 'v23.0';
export const DEFAULT_CLOUD_TEMPLATE_LANGUAGE = 'pt_BR';

/** Decrypted settings of every provider of one company; read fresh per use so edits apply at once. */
export interface WhatsappProviderSettings {
  provider: WhatsappProviderId;
  whaticket: { url: string | null; token: string | null };
  evolution: { url: string | null; apiKey: string | null; instance: string | null; apiVersion: 1 | 2 };
  cloud: {
    apiUrl: string;
    apiVersion: string;
    phoneNumberId: string | null;
    accessToken: string | null;
    appSecret: string | null;
    verifyToken: string | null;
    reminderTemplate: string | null;
    templateLanguage: string;
  };
}
