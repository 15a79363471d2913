import { Migration } from '@mikro-orm/migrations';

/**
 * Reminders (issue 18, ARCHITECTURE §9).
 * - Company settings: `reminder_offsets_minutes` (empty = off) and quiet hours in the company zone.
 * - `appointment_reminders`: one row per (appointment, offset), the constraint that makes a reminder
 *   exactly-once across workers; `round` counts re-sends after a reschedule (part of the outbox dedupe
 *   key), `planned_start_at` is the start the row was planned for (a changed start means "moved").
 * - `appointments.client_confirmation` / `attendance` and `outbound_messages.kind` (REPLY | REMINDER) /
 *   `template` (`{"name"?, "language"?, "parameters": [..]}`, a template send's body parameters).
 */
export class Migration20261203000010_reminders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table companies add column if not exists reminder_offsets_minutes int[] not null default '{1440,120}';`);
    this.addSql(`alter table companies add column if not exists quiet_hours_start text not null default '21:00';`);
    this.addSql(`alter table companies add column if not exists quiet_hours_end text not null default '08:00';`);

    this.addSql(`alter table appointments add column if not exists client_confirmation text not null default 'NONE';`);
    this.addSql(`alter table appointments add column if not exists attendance text not null default 'UNKNOWN';`);

    this.addSql(`alter table outbound_messages add column if not exists kind text not null default 'REPLY';`);
    this.addSql(`alter table outbound_messages add column if not exists template jsonb null;`);

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
      constraint appointment_reminders_offset_uniq unique (appointment_id, offset_minutes)
    );`);
    this.addSql(`alter table appointment_reminders add column if not exists round int not null default 0;`);
    this.addSql(`alter table appointment_reminders add column if not exists planned_start_at timestamptz null;`);
    this.addSql(`alter table appointment_reminders drop constraint if exists appointment_reminders_status_check;`);
    this.addSql(`alter table appointment_reminders add constraint appointment_reminders_status_check check (status in ('SCHEDULED', 'SENT', 'FAILED', 'SKIPPED'));`);
    // The sweep: due rows not yet handed to the outbox, oldest first.
    this.addSql(`create index if not exists appointment_reminders_due_idx on appointment_reminders (due_at) where status = 'SCHEDULED' and outbound_message_id is null;`);
    // The reconcile step: rows handed to the outbox whose message has not finished yet.
    this.addSql(`create index if not exists appointment_reminders_queued_idx on appointment_reminders (outbound_message_id) where status = 'SCHEDULED' and outbound_message_id is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists appointment_reminders;`);
    this.addSql(`alter table outbound_messages drop column if exists template;`);
    this.addSql(`alter table outbound_messages drop column if exists kind;`);
    this.addSql(`alter table appointments drop column if exists attendance;`);
    this.addSql(`alter table appointments drop column if exists client_confirmation;`);
    this.addSql(`alter table companies drop column if exists quiet_hours_end;`);
    this.addSql(`alter table companies drop column if exists quiet_hours_start;`);
    this.addSql(`alter table companies drop column if exists reminder_offsets_minutes;`);
  }
}
