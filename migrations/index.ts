import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261129000001_initial } from './Migration20261129000001_initial.js';
import { Migration20261129000002_booking_aliases } from './Migration20261129000002_booking_aliases.js';
import { Migration20261129000003_acknowledge_then_apply } from './Migration20261129000003_acknowledge_then_apply.js';
import { Migration20261203000004_credentials } from './Migration20261203000004_credentials.js';
import { Migration20261203000005_retention } from './Migration20261203000005_retention.js';
import { Migration20261203000006_webhook_attempts } from './Migration20261203000006_webhook_attempts.js';
import { Migration20261203000007_inbound_media } from './Migration20261203000007_inbound_media.js';
import { Migration20261203000008_appointment_hosts } from './Migration20261203000008_appointment_hosts.js';
import { Migration20261203000009_services } from './Migration20261203000009_services.js';
import { Migration20261203000010_reminders } from './Migration20261203000010_reminders.js';
import { Migration20261203000011_attendance } from './Migration20261203000011_attendance.js';
import { Migration20261203000012_providers } from './Migration20261203000012_providers.js';
import { Migration20261203000013_cloud_api } from './Migration20261203000013_cloud_api.js';

/**
 * Every migration, in order. Listed explicitly so the same code runs from `dist/` (tsc) and from
 * sources (vitest) without globbing the file system. Append new migrations here.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261129000001_initial', class: Migration20261129000001_initial },
  { name: 'Migration20261129000002_booking_aliases', class: Migration20261129000002_booking_aliases },
  { name: 'Migration20261129000003_acknowledge_then_apply', class: Migration20261129000003_acknowledge_then_apply },
  { name: 'Migration20261203000004_credentials', class: Migration20261203000004_credentials },
  { name: 'Migration20261203000005_retention', class: Migration20261203000005_retention },
  { name: 'Migration20261203000006_webhook_attempts', class: Migration20261203000006_webhook_attempts },
  { name: 'Migration20261203000007_inbound_media', class: Migration20261203000007_inbound_media },
  { name: 'Migration20261203000008_appointment_hosts', class: Migration20261203000008_appointment_hosts },
  { name: 'Migration20261203000009_services', class: Migration20261203000009_services },
  { name: 'Migration20261203000010_reminders', class: Migration20261203000010_reminders },
  { name: 'Migration20261203000011_attendance', class: Migration20261203000011_attendance },
  { name: 'Migration20261203000012_providers', class: Migration20261203000012_providers },
  { name: 'Migration20261203000013_cloud_api', class: Migration20261203000013_cloud_api },
];
