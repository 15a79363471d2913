import { Migration } from '@mikro-orm/migrations';

/**
 * Client confirmation and attendance on appointments, and the reminder rows they are read with
 * (issue 18). The reminder engine's migration (10) creates the same columns and table: both use
 * `if not exists`, so either order works. `attendance_marked_at` is this part's own: when the
 * attendance was last set, so a late Cal.com no-show event older than a mark cannot overwrite it.
 */
export class Migration20261203000011_attendance extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table appointments add column if not exists client_confirmation text not null default 'NONE';`);
    this.addSql(`alter table appointments add column if not exists attendance text not null default 'UNKNOWN';`);
    this.addSql(`alter table appointments add column if not exists attendance_marked_at timestamptz null;`);
    this.addSql(`create table if not exists appointment_reminders (
      id uuid primary key,
      company_id uuid not null,
      appointment_id uuid not null references appointments (id) on delete cascade,
      offset_minutes int not null,
      due_at timestamptz not null,
      status text not null default 'SCHEDULED',
      sent_at timestamptz null,
      error text null,
      outbound_message_id uuid null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (appointment_id, offset_minutes)
    );`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table appointments drop column if exists attendance_marked_at;`);
  }
}
