import { Migration } from '@mikro-orm/migrations';

/**
 * Several services per company (issue 17): one row per Cal.com event type, imported by `syncServices`.
 * Nothing is back-filled: a company keeps booking its `cal_event_type_id` exactly as before until its
 * first sync creates the rows (the event type's title and length come from Cal.com, which a migration
 * must not call). `appointments.service_id` stays null for rows made before.
 */
export class Migration20261203000009_services extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table if not exists services (
      id uuid primary key,
      company_id uuid not null references companies(id) on delete cascade,
      cal_event_type_id integer not null,
      name text not null,
      cal_title text not null,
      duration_minutes integer not null check (duration_minutes > 0),
      active boolean not null default true,
      keywords text[] not null default '{}',
      hosts jsonb not null default '[]',
      team_id integer null,
      in_calcom boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint services_event_type_uniq unique (company_id, cal_event_type_id)
    );`);
    this.addSql(`alter table appointments add column if not exists service_id uuid null references services(id) on delete set null;`);
    this.addSql(`create index if not exists appointments_service_idx on appointments (company_id, service_id, start_at) where service_id is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists appointments_service_idx;`);
    this.addSql(`alter table appointments drop column if exists service_id;`);
    this.addSql(`drop table if exists services;`);
  }
}
