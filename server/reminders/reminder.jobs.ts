import type { MikroORM } from '@mikro-orm/postgresql';
import { REMINDER_SETTINGS_CHANNEL } from '../companies/company.service.js';
import { Drain } from '../platform/drain.js';
import type { Logger } from '../platform/logger.js';
import type { PgEventBus } from '../platform/pubsub.js';
import { REMINDERS_CHANNEL, type ReminderService } from './reminder.service.js';

/**
 * How often a worker looks for due reminders without a wake-up. Reminders are planned minutes to
 * days ahead, so a due time is met within this; a late one (due at once) wakes the drain through
 * REMINDERS_CHANNEL when its planning transaction commits.
 */
export const REMINDER_POLL_MS = 15_000;

export interface ReminderWorker {
  /** Runs a sweep now (tests, after moving the clock). */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * Worker roles only. The durable work items are the `appointment_reminders` rows themselves (no
 * pg-boss job per reminder): a Drain claims due rows with FOR UPDATE SKIP LOCKED, so any number of
 * workers share them, and a stopped worker's rows are simply still due for the next. The send's
 * retry policy is the outbox's (SEND_RETRY in whatsapp/outbox.ts), defined once there.
 */
export async function startReminderWorker(deps: {
  orm: MikroORM;
  reminders: ReminderService;
  events: PgEventBus;
  log: Logger;
  pollMs?: number;
}): Promise<ReminderWorker> {
  const { orm, reminders, events, log } = deps;
  const drain = new Drain('reminders.sweep', () => reminders.sweep(orm.em.fork()), log, deps.pollMs ?? REMINDER_POLL_MS);
  let replanning = Promise.resolve();
  // A company's reminder settings changed (REMINDER_SETTINGS_CHANNEL): re-plan its upcoming reminders.
  const companyChanged = (companyId: string) => {
    replanning = replanning
      .then(async () => {
        const planned = await reminders.replanCompany(orm.em.fork(), companyId);
        if (planned === null) return; // another worker holds the company's re-plan
        if (planned) log.info({ companyId, planned }, 'reminders re-planned after a settings change');
        drain.wake();
      })
      .catch((error) => log.error({ err: error, companyId }, 'could not re-plan reminders'));
  };
  // Also wakes it once now: reminders that fell due while no worker ran are sent at start.
  await events.wake(REMINDERS_CHANNEL, () => drain.wake());
  // Offsets, quiet hours or zone changed (panel, API or CLI); other settings changes do not re-plan.
  await events.wake(REMINDER_SETTINGS_CHANNEL, (companyId) => {
    if (companyId) companyChanged(companyId);
  });
  return {
    wake: () => drain.wake(),
    stop: async () => {
      await drain.stop();
      await replanning;
    },
  };
}
