import { Migration } from '@mikro-orm/migrations';

/**
 * A delivery that cannot be applied is isolated instead of blocking its company (issue 14):
 *
 * - `attempts` (failed applications so far) and `retry_at` (not before then) live in the database,
 *   so a restart neither forgets them nor retries at once; after the last attempt it is `failed`.
 * - `discarded`: an admin gave up on a failed delivery from Diagnóstico (its body is cleared).
 * - Index for "an older delivery of the same booking is waiting for its retry" (order is kept only
 *   among events of one booking uid).
 */
export class Migration20261203000006_webhook_attempts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table webhook_deliveries add column attempts int not null default 0;`);
    this.addSql(`alter table webhook_deliveries add column retry_at timestamptz null;`);
    this.addSql(`alter table webhook_deliveries drop constraint webhook_deliveries_outcome_check;`);
    this.addSql(`alter table webhook_deliveries add constraint webhook_deliveries_outcome_check check (outcome in ('pending', 'applied', 'duplicate', 'stale', 'ignored', 'failed', 'discarded'));`);
    this.addSql(`create index webhook_deliveries_pending_uid_idx on webhook_deliveries (company_id, booking_uid, received_at) where outcome = 'pending';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index webhook_deliveries_pending_uid_idx;`);
    this.addSql(`update webhook_deliveries set outcome = 'failed' where outcome = 'discarded';`);
    this.addSql(`alter table webhook_deliveries drop constraint webhook_deliveries_outcome_check;`);
    this.addSql(`alter table webhook_deliveries add constraint webhook_deliveries_outcome_check check (outcome in ('pending', 'applied', 'duplicate', 'stale', 'ignored', 'failed'));`);
    this.addSql(`alter table webhook_deliveries drop column retry_at;`);
    this.addSql(`alter table webhook_deliveries drop column attempts;`);
  }
}
