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
 * "Compareceu" / "Não compareceu" once the appointment has started: toggle buttons (`aria-pressed`;
 * the marked one is filled and bordered, so it reads without colour); pressing it again clears it.
 * Before the start there is nothing to mark.
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
  return (
    <div className="attendance" role="group" aria-label={`Comparecimento de ${appointment.clientName}`} data-attendance={appointment.attendance}>
      <div className="attendance__buttons">
        {(['ATTENDED', 'NO_SHOW'] as const).map((value) => (
          <button
            key={value}
            type="button"
            className={`button button--small attendance__choice attendance__choice--${ATTENDANCE_LABELS[value].tone}`}
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
