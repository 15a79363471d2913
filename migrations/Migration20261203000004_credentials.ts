import { Migration } from '@mikro-orm/migrations';

/**
 * `users.known_login_ips`: the IPs an admin last signed in from; from these the account has its own
 * login budget, so failures sent from elsewhere cannot lock the admin out. `sessions_user_idx`: ending
 * every session of an admin (password change, "sair de todos os lugares").
 */
export class Migration20261203000004_credentials extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table users add column known_login_ips jsonb not null default '[]';`);
    this.addSql(`create index sessions_user_idx on sessions (user_id);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index sessions_user_idx;`);
    this.addSql(`alter table users drop column known_login_ips;`);
  }
}
