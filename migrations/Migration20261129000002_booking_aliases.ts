import { Migration } from '@mikro-orm/migrations';

/**
 * Cal.com gives a rescheduled booking a new uid. Keeping the old uids on our appointment lets a late
 * event about the old booking (e.g. its BOOKING_CREATED arriving after the reschedule) be recognised
 * as stale instead of resurrecting it as a second appointment.
 */
export class Migration20261129000002_booking_aliases extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table appointments add column cal_previous_uids text[] not null default '{}';`);
    this.addSql(`create index appointments_previous_uids_idx on appointments using gin (cal_previous_uids);`);
    this.addSql(`alter table webhook_deliveries add column reason text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table webhook_deliveries drop column reason;`);
    this.addSql(`drop index appointments_previous_uids_idx;`);
    this.addSql(`alter table appointments drop column cal_previous_uids;`);
  }
}
