import { useState } from 'react';
import { Icon } from '../../shared/components/Icon';
import { toAppError } from '../../shared/errors/app-error';
import { useMarkAttendance } from '../hooks/useMarkAttendance';
import type { Appointment, Attendance } from '../model/appointment';
import { ATTENDANCE_LABELS, canMarkAttendance } from '../model/follow-up';

interface Props {
  appointment: Appointment;
  now: number;
  onMarked: (appointment: Appointment) => void;
}

/**
 * "Compareceu" / "Não compareceu" once the appointment has started (toggle buttons: pressing the
 * marked one again clears it). Before the start, nothing to mark; afterwards, the mark reads as a badge too.
 */
export function AttendanceControls({ appointment, now, onMarked }: Props) {
  const { mark, marking } = useMarkAttendance();
  const [error, setError] = useState<string | null>(null);
  if (!canMarkAttendance(appointment, now)) return null;

  const choose = async (attendance: Attendance) => {
    setError(null);
    try {
      onMarked(await mark(appointment.id, appointment.attendance === attendance ? 'UNKNOWN' : attendance));
    } catch (caught) {
      setError(toAppError(caught).message);
    }
  };
  const marked = appointment.attendance === 'UNKNOWN' ? null : ATTENDANCE_LABELS[appointment.attendance];

  return (
    <div className="attendance" role="group" aria-label={`Comparecimento de ${appointment.clientName}`}>
      {marked ? (
        <span className={`badge badge--${marked.tone}`} data-attendance={appointment.attendance}>
          <Icon name={marked.icon} size={14} />
          {marked.label}
        </span>
      ) : null}
      <div className="attendance__buttons">
        {(['ATTENDED', 'NO_SHOW'] as const).map((value) => (
          <button
            key={value}
            type="button"
            className={`button button--small ${value === 'ATTENDED' ? 'button--secondary' : 'button--danger-ghost'}`}
            aria-pressed={appointment.attendance === value}
            disabled={marking}
            onClick={() => choose(value).catch(() => {})}
          >
            <Icon name={ATTENDANCE_LABELS[value].icon} size={14} /> {ATTENDANCE_LABELS[value].label}
          </button>
        ))}
      </div>
      {error ? (
        <p className="field__error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
