import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** An administrator of one company. */
@Entity({ tableName: 'users' })
export class User {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  companyId!: string;

  /** Stored lower-case; unique across companies because login is by e-mail alone. */
  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text' })
  name: string = '';

  @Property({ type: 'text', hidden: true })
  passwordHash!: string;

  @Property({ type: 'text' })
  role: 'ADMIN' = 'ADMIN';

  /**
   * IPs this admin signed in from successfully, newest first (a few): from these, a locked-out
   * account still accepts the right password (see LoginLimiter use in AuthService.login).
   */
  @Property({ type: 'json', hidden: true })
  knownLoginIps: string[] = [];

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
