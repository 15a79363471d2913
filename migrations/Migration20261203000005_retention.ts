import { Migration } from '@mikro-orm/migrations';

/**
 * Retention (server/platform/retention.ts): the daily job finds webhook bodies older than 30 days
 * through this partial index (only rows that still hold a body), instead of scanning every delivery.
 * Expired sessions already have `sessions_expires_idx`.
 */
export class Migration20261203000005_retention extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index webhook_deliveries_body_age_idx on webhook_deliveries (received_at) where body is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index webhook_deliveries_body_age_idx;`);
  }
}
