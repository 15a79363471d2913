import { Migration } from '@mikro-orm/migrations';

/**
 * Calendar truth (issue 17): every booking Cal.com reports is recorded, even at the same start as
 * another; only our own booking attempts stay unique, per host.
 *
 * - `host_key` (`user:<Cal.com user id>` or `event-type:<id>`, see appointments/host-key.ts) and
 *   `host_name` (Cal.com's organizer). Existing rows get the company's default host, the only one
 *   they could have had (one event type per company until now).
 * - `host_claim`: the row holds its host's slot for our own attempts. Set on our own claims; Cal.com's
 *   bookings never hold one, and an own booking that Cal.com moves onto a held slot gives it up, so
 *   recording what Cal.com reports can never violate the index.
 * - `appointments_slot_uniq` (company, start) is replaced by `appointments_host_claim_uniq`
 *   (company, host, start) over the rows that hold a claim.
 * - `appointments_host_start_idx` serves the overlap check (same host, nearby starts).
 */
export class Migration20261203000008_appointment_hosts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table appointments add column if not exists host_key text null;`);
    this.addSql(`alter table appointments add column if not exists host_name text null;`);
    this.addSql(`alter table appointments add column if not exists host_claim boolean not null default false;`);
    this.addSql(`
      update appointments a
         set host_key = coalesce('user:' || nullif(c.cal_default_user_id, ''), 'event-type:' || c.cal_event_type_id),
             host_claim = a.source <> 'CALCOM'
        from companies c
       where c.id = a.company_id and a.host_key is null;`);
    this.addSql(`drop index if exists appointments_slot_uniq;`);
    this.addSql(`create unique index if not exists appointments_host_claim_uniq on appointments (company_id, host_key, start_at) where host_claim and status <> 'CANCELLED';`);
    this.addSql(`create index if not exists appointments_host_start_idx on appointments (company_id, host_key, start_at) where status <> 'CANCELLED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists appointments_host_start_idx;`);
    this.addSql(`drop index if exists appointments_host_claim_uniq;`);
    // The old index cannot hold two live rows at one start: the later ones are cancelled first.
    this.addSql(`
      update appointments a set status = 'CANCELLED', cancellation_reason = coalesce(a.cancellation_reason, 'Horário sobreposto (migração revertida)')
       where a.status <> 'CANCELLED' and exists (
         select 1 from appointments o where o.company_id = a.company_id and o.start_at = a.start_at and o.status <> 'CANCELLED'
            and (o.created_at, o.id) < (a.created_at, a.id));`);
    this.addSql(`create unique index appointments_slot_uniq on appointments (company_id, start_at) where status <> 'CANCELLED';`);
    this.addSql(`alter table appointments drop column host_claim;`);
    this.addSql(`alter table appointments drop column host_name;`);
    this.addSql(`alter table appointments drop column host_key;`);
  }
}
