import { Migration } from '@mikro-orm/migrations';

/**
 * When an appointment's attendance was last set (issue 18), so a late Cal.com no-show event older than
 * a mark cannot overwrite it. `client_confirmation`, `attendance` and `appointment_reminders` come from 10.
 */
export class Migration20261203000011_attendance extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table appointments add column if not exists attendance_marked_at timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table appointments drop column if exists attendance_marked_at;`);
  }
}
