import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export type ApiKeyScope = 'read' | 'write';

@Entity({ tableName: 'api_keys' })
export class ApiKey {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  companyId!: string;

  @Property({ type: 'text' })
  name: string = '';

  @Property({ type: 'text' })
  scope: ApiKeyScope = 'read';

  /** SHA-256 of the key; the key is printed once by the CLI. */
  @Property({ type: 'text' })
  keyHash!: string;

  /** First characters of the key, to recognise it in listings. */
  @Property({ type: 'text' })
  prefix!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}
