import { Migration } from '@mikro-orm/migrations';

/**
 * The public endpoints acknowledge once the raw input is stored; workers apply it afterwards.
 *
 * - `inbound_messages.dispatched_at`: when a worker turned the stored message into a processing
 *   job (null = not yet; the dispatcher claims such rows with SKIP LOCKED). The contact is resolved
 *   by the job, so `contact_id` may be null until then.
 * - `webhook_deliveries`: a delivery is stored `pending` with its raw body and applied by a worker
 *   (`applied_at`); the body is cleared once applied.
 */
export class Migration20261129000003_acknowledge_then_apply extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table inbound_messages add column dispatched_at timestamptz null;`);
    this.addSql(`update inbound_messages set dispatched_at = received_at;`);
    this.addSql(`create index inbound_messages_undispatched_idx on inbound_messages (received_at, id) where dispatched_at is null;`);
    this.addSql(`create index inbound_messages_phone_idx on inbound_messages (company_id, phone, received_at);`);

    this.addSql(`alter table webhook_deliveries add column body text null;`);
    this.addSql(`alter table webhook_deliveries add column applied_at timestamptz null;`);
    this.addSql(`update webhook_deliveries set applied_at = received_at;`);
    this.addSql(`alter table webhook_deliveries drop constraint webhook_deliveries_outcome_check;`);
    this.addSql(`alter table webhook_deliveries add constraint webhook_deliveries_outcome_check check (outcome in ('pending', 'applied', 'duplicate', 'stale', 'ignored', 'failed'));`);
    this.addSql(`create index webhook_deliveries_pending_idx on webhook_deliveries (received_at, id) where outcome = 'pending';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index webhook_deliveries_pending_idx;`);
    this.addSql(`delete from webhook_deliveries where outcome in ('pending', 'failed');`);
    this.addSql(`alter table webhook_deliveries drop constraint webhook_deliveries_outcome_check;`);
    this.addSql(`alter table webhook_deliveries add constraint webhook_deliveries_outcome_check check (outcome in ('applied', 'duplicate', 'stale', 'ignored'));`);
    this.addSql(`alter table webhook_deliveries drop column applied_at;`);
    this.addSql(`alter table webhook_deliveries drop column body;`);
    this.addSql(`drop index inbound_messages_phone_idx;`);
    this.addSql(`drop index inbound_messages_undispatched_idx;`);
    this.addSql(`alter table inbound_messages drop column dispatched_at;`);
  }
}
