import { Migration } from '@mikro-orm/migrations';

/**
 * WhatsApp Cloud API (issue 19b) on `outbound_messages` (`kind` and `template` come from 10):
 * - `sent_as` (TEXT | BUTTONS | TEMPLATE): the form the provider accepted, for the panel and support.
 * - `window_closed_at`: when Meta told us (131047) that the person's 24-hour window was closed for
 *   this message; a reminder then goes again as the company's approved template.
 */
export class Migration20261203000013_cloud_api extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table outbound_messages
        add column if not exists sent_as text null,
        add column if not exists window_closed_at timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table outbound_messages drop column if exists window_closed_at, drop column if exists sent_as;`);
  }
}
