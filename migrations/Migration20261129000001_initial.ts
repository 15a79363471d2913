import { Migration } from '@mikro-orm/migrations';

/** The tables of ARCHITECTURE §3. */
export class Migration20261129000001_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table companies (
        id uuid primary key,
        name text not null,
        timezone text not null default 'America/Sao_Paulo',
        cal_api_url text not null default 'https://api.cal.com',
        cal_api_key text null,
        cal_default_user_id text null,
        cal_event_type_id integer null,
        cal_webhook_secret text null,
        whaticket_url text null,
        whaticket_token text null,
        whaticket_inbound_token text null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);
    this.addSql(`create unique index companies_whaticket_inbound_token_uniq on companies (whaticket_inbound_token);`);

    this.addSql(`
      create table users (
        id uuid primary key,
        company_id uuid not null references companies(id) on delete cascade,
        email text not null,
        name text not null default '',
        password_hash text not null,
        role text not null default 'ADMIN' check (role in ('ADMIN')),
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create unique index users_email_uniq on users (lower(email));`);
    this.addSql(`create index users_company_idx on users (company_id);`);

    this.addSql(`
      create table sessions (
        id uuid primary key,
        user_id uuid not null references users(id) on delete cascade,
        company_id uuid not null references companies(id) on delete cascade,
        token_hash text not null unique,
        expires_at timestamptz not null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index sessions_expires_idx on sessions (expires_at);`);

    this.addSql(`
      create table api_keys (
        id uuid primary key,
        company_id uuid not null references companies(id) on delete cascade,
        name text not null default '',
        scope text not null check (scope in ('read', 'write')),
        key_hash text not null unique,
        prefix text not null,
        created_at timestamptz not null default now(),
        last_used_at timestamptz null,
        revoked_at timestamptz null
      );`);
    this.addSql(`create index api_keys_company_idx on api_keys (company_id);`);

    this.addSql(`
      create table contacts (
        id uuid primary key,
        company_id uuid not null references companies(id) on delete cascade,
        phone text not null,
        name text not null default '',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (company_id, phone)
      );`);

    this.addSql(`
      create table conversations (
        id uuid primary key,
        company_id uuid not null references companies(id) on delete cascade,
        contact_id uuid not null references contacts(id) on delete cascade,
        state text not null default 'IDLE',
        data jsonb not null default '{}',
        expires_at timestamptz null,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (company_id, contact_id)
      );`);

    this.addSql(`
      create table inbound_messages (
        id uuid primary key,
        company_id uuid not null references companies(id) on delete cascade,
        message_id text not null,
        contact_id uuid null references contacts(id) on delete set null,
        phone text not null,
        sender_name text not null default '',
        body text not null,
        status text not null default 'RECEIVED' check (status in ('RECEIVED', 'PROCESSED', 'IGNORED', 'FAILED')),
        outcome text null,
        simulated boolean not null default false,
        received_at timestamptz not null default now(),
        processed_at timestamptz null,
        unique (company_id, message_id)
      );`);
    this.addSql(`create index inbound_messages_contact_idx on inbound_messages (company_id, contact_id, received_at);`);

    this.addSql(`
      create table outbound_messages (
        id uuid primary key,
        company_id uuid not null references companies(id) on delete cascade,
        contact_id uuid null references contacts(id) on delete set null,
        phone text not null,
        body text not null,
        dedupe_key text not null,
        status text not null default 'PENDING' check (status in ('PENDING', 'SENT', 'FAILED', 'CAPTURED')),
        attempts integer not null default 0,
        last_error text null,
        created_at timestamptz not null default now(),
        sent_at timestamptz null,
        unique (company_id, dedupe_key)
      );`);
    this.addSql(`create index outbound_messages_contact_idx on outbound_messages (company_id, contact_id, created_at);`);

    this.addSql(`
      create table appointments (
        id uuid primary key,
        company_id uuid not null references companies(id) on delete cascade,
        status text not null check (status in ('PENDING', 'CONFIRMED', 'RESCHEDULED', 'CANCELLED')),
        title text not null default '',
        start_at timestamptz not null,
        end_at timestamptz not null,
        client_name text not null default '',
        client_phone text null,
        client_email text null,
        notes text null,
        meeting_url text null,
        source text not null check (source in ('WHATSAPP', 'ADMIN', 'API', 'CALCOM')),
        cal_booking_uid text null,
        cal_booking_id integer null,
        cancellation_reason text null,
        cal_last_event_at timestamptz null,
        contact_id uuid null references contacts(id) on delete set null,
        search_text text not null default '',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        check (end_at > start_at)
      );`);
    this.addSql(`create index appointments_company_start_idx on appointments (company_id, start_at, id);`);
    this.addSql(`create unique index appointments_cal_booking_uid_uniq on appointments (company_id, cal_booking_uid);`);
    // One live appointment per start time and company: the database, not a check in code, refuses
    // the second of two concurrent bookings of the same slot.
    this.addSql(`create unique index appointments_slot_uniq on appointments (company_id, start_at) where status <> 'CANCELLED';`);
    this.addSql(`create index appointments_contact_idx on appointments (company_id, contact_id, start_at);`);

    this.addSql(`
      create table audit_log (
        id uuid primary key,
        company_id uuid not null references companies(id) on delete cascade,
        actor_type text not null check (actor_type in ('ADMIN', 'API_KEY', 'WHATSAPP', 'CALCOM', 'SYSTEM')),
        actor_id text null,
        actor_label text not null default '',
        action text not null,
        subject text not null,
        data jsonb not null default '{}',
        at timestamptz not null default now()
      );`);
    this.addSql(`create index audit_log_company_at_idx on audit_log (company_id, at, id);`);
    this.addSql(`create index audit_log_subject_idx on audit_log (company_id, subject, at);`);

    this.addSql(`
      create table webhook_deliveries (
        id uuid primary key,
        company_id uuid not null references companies(id) on delete cascade,
        trigger text not null,
        booking_uid text null,
        body_hash text not null,
        outcome text not null check (outcome in ('applied', 'duplicate', 'stale', 'ignored')),
        event_created_at timestamptz null,
        received_at timestamptz not null default now(),
        unique (company_id, body_hash)
      );`);
    this.addSql(`create index webhook_deliveries_company_idx on webhook_deliveries (company_id, received_at);`);
  }

  override async down(): Promise<void> {
    for (const table of [
      'webhook_deliveries', 'audit_log', 'appointments', 'outbound_messages', 'inbound_messages',
      'conversations', 'contacts', 'api_keys', 'sessions', 'users', 'companies',
    ]) {
      this.addSql(`drop table if exists ${table} cascade;`);
    }
  }
}
