import { Icon } from '../../shared/components/Icon';
import { formatShortDate, formatTime } from '../../shared/time/zoned-time';
import type { Appointment } from '../model/appointment';
import { CONFIRMATION_LABELS, reminderBeforeLabel, REMINDER_LABELS, reminderState } from '../model/follow-up';

/**
 * The reminder state (agendado / enviado / falhou) and the client's answer (confirmou / recusou /
 * sem resposta): colour, icon and words, so each reads the same without colour.
 */
export function FollowUpBadges({ appointment, zone }: { appointment: Appointment; zone: string }) {
  const reminder = reminderState(appointment.reminders);
  const answer = CONFIRMATION_LABELS[appointment.clientConfirmation];
  const when = (iso: string) => `${formatShortDate(iso, zone)} às ${formatTime(iso, zone)}`;
  return (
    <div className="follow-up" data-testid="follow-up">
      {reminder ? (
        <span
          className={`badge badge--${REMINDER_LABELS[reminder.state].tone}`}
          data-reminder={reminder.state}
          title={reminderTitle(reminder.state, reminder.reminder.offsetMinutes, when(reminder.reminder.sentAt ?? reminder.reminder.dueAt))}
        >
          <Icon name={REMINDER_LABELS[reminder.state].icon} size={14} />
          Lembrete: {REMINDER_LABELS[reminder.state].label}
        </span>
      ) : (
        <span className="muted follow-up__none" data-reminder="NONE">
          Sem lembrete
        </span>
      )}
      <span className={`badge badge--${answer.tone}`} data-confirmation={appointment.clientConfirmation}>
        <Icon name={answer.icon} size={14} />
        Cliente: {answer.label}
      </span>
    </div>
  );
}

function reminderTitle(state: keyof typeof REMINDER_LABELS, offset: number, when: string): string {
  const which = `Lembrete de ${reminderBeforeLabel(offset)}`;
  if (state === 'SENT') return `${which}: enviado em ${when}`;
  if (state === 'FAILED') return `${which}: falhou (previsto para ${when})`;
  return `${which}: agendado para ${when}`;
}
