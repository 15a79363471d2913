import { Migration } from '@mikro-orm/migrations';

/**
 * WhatsApp providers per company (ARCHITECTURE §10): which gateway the company uses and the settings
 * of each (Evolution API, WhatsApp Cloud API; the Whaticket columns exist already). Secret columns
 * (`evolution_api_key`, `cloud_access_token`, `cloud_app_secret`, `cloud_verify_token`) hold
 * AES-256-GCM ciphertext. `whatsapp_connection_error`: the provider told us the credentials no longer
 * work (e.g. an expired Cloud API token); cleared by a settings change or a successful send.
 *
 * On `outbound_messages`: what the provider reported about each reply (`delivery_status` SENT,
 * DELIVERED, READ, FAILED), its id for the message (to match later status reports) and our pt-BR
 * summary of a failure for the panel (the provider's own text stays in `last_error`, never shown).
 */
export class Migration20261203000012_providers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table companies
        add column if not exists whatsapp_provider text not null default 'WHATICKET',
        add column if not exists evolution_url text null,
        add column if not exists evolution_api_key text null,
        add column if not exists evolution_instance text null,
        add column if not exists evolution_api_version integer not null default 2,
        add column if not exists cloud_api_url text not null default 'https://graph.facebook.com',
        add column if not exists cloud_api_version text not null default 'v23.0',
        add column if not exists cloud_phone_number_id text null,
        add column if not exists cloud_access_token text null,
        add column if not exists cloud_app_secret text null,
        add column if not exists cloud_verify_token text null,
        add column if not exists cloud_reminder_template text null,
        add column if not exists cloud_template_language text not null default 'pt_BR',
        add column if not exists whatsapp_connection_error text null,
        add column if not exists whatsapp_connection_error_at timestamptz null;`);
    this.addSql(`alter table companies add constraint companies_whatsapp_provider_check check (whatsapp_provider in ('WHATICKET', 'EVOLUTION', 'CLOUD_API'));`);
    this.addSql(`alter table companies add constraint companies_evolution_api_version_check check (evolution_api_version in (1, 2));`);

    this.addSql(`
      alter table outbound_messages
        add column if not exists provider text null,
        add column if not exists provider_message_id text null,
        add column if not exists delivery_status text null,
        add column if not exists delivery_error text null,
        add column if not exists delivery_updated_at timestamptz null;`);
    this.addSql(`alter table outbound_messages add constraint outbound_messages_delivery_status_check check (delivery_status in ('SENT', 'DELIVERED', 'READ', 'FAILED'));`);
    // Status reports name the provider's message id only.
    this.addSql(`create index if not exists outbound_messages_provider_message_idx on outbound_messages (company_id, provider_message_id) where provider_message_id is not null;`);
    // The panel's "últimos erros de entrega".
    this.addSql(`create index if not exists outbound_messages_failed_idx on outbound_messages (company_id, created_at desc) where status = 'FAILED' or delivery_status = 'FAILED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists outbound_messages_failed_idx;`);
    this.addSql(`drop index if exists outbound_messages_provider_message_idx;`);
    this.addSql(`
      alter table outbound_messages
        drop column if exists provider, drop column if exists provider_message_id, drop column if exists delivery_status,
        drop column if exists delivery_error, drop column if exists delivery_updated_at;`);
    this.addSql(`
      alter table companies
        drop column if exists whatsapp_provider, drop column if exists evolution_url, drop column if exists evolution_api_key,
        drop column if exists evolution_instance, drop column if exists evolution_api_version, drop column if exists cloud_api_url,
        drop column if exists cloud_api_version, drop column if exists cloud_phone_number_id, drop column if exists cloud_access_token,
        drop column if exists cloud_app_secret, drop column if exists cloud_verify_token, drop column if exists cloud_reminder_template,
        drop column if exists cloud_template_language, drop column if exists whatsapp_connection_error,
        drop column if exists whatsapp_connection_error_at;`);
  }
}
