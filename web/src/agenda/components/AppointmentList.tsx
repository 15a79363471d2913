import { Fragment } from 'react';
import { Icon } from '../../shared/components/Icon';
import { formatPhone } from '../../shared/format/phone';
import { formatShortDate, formatTime } from '../../shared/time/zoned-time';
import type { Appointment, AppointmentChangeKind } from '../model/appointment';
import { CHANGE_LABELS, SOURCE_LABELS } from '../model/labels';
import { isPlaceholderEmail } from '../model/follow-up';
import { AppointmentHistory } from './AppointmentHistory';
import { AttendanceControls } from './AttendanceControls';
import { FollowUpBadges } from './FollowUpBadges';
import { StatusBadge } from './StatusBadge';

interface Props {
  appointments: Appointment[];
  zone: string;
  multiDay: boolean;
  highlights: Record<string, AppointmentChangeKind>;
  expandedHistory: string | null;
  onToggleHistory: (id: string) => void;
  onCancel: (appointment: Appointment, trigger: HTMLButtonElement) => void;
  /** Service names by id, when the company has several services (shown with the client). */
  serviceNames?: ReadonlyMap<string, string>;
  /** Now, for what can be marked after the start (ticks while the page is open). */
  now: number;
  onAttendanceMarked: (appointment: Appointment) => void;
}

const COLUMNS = 7;

/** Cal.com booked this host twice at once: shown, never hidden (the admin decides which one stays). */
function OverlapBadge({ hostName }: { hostName: string | null }) {
  const explanation = `Outro agendamento ${hostName ? `de ${hostName} ` : 'do mesmo profissional '}ocupa parte deste horário no Cal.com.`;
  return (
    <span className="badge badge--overlap" data-overlaps="true" title={explanation}>
      <Icon name="alert" size={14} /> Horário sobreposto<span className="visually-hidden">: {explanation}</span>
    </span>
  );
}

/**
 * A table on wide screens; below 720 px the same markup is laid out as cards by CSS (each cell shows
 * its column name from `data-label`). Roles are explicit so the table semantics survive `display`.
 */
export function AppointmentList({ appointments, zone, multiDay, highlights, expandedHistory, onToggleHistory, onCancel, serviceNames, now, onAttendanceMarked }: Props) {
  return (
    <table className="appointments" role="table" aria-label="Agendamentos">
      <thead role="rowgroup">
        <tr role="row">
          <th role="columnheader" scope="col">
            Horário
          </th>
          <th role="columnheader" scope="col">
            Cliente
          </th>
          <th role="columnheader" scope="col">
            Telefone
          </th>
          <th role="columnheader" scope="col">
            Status
          </th>
          <th role="columnheader" scope="col">
            Link
          </th>
          <th role="columnheader" scope="col">
            Origem
          </th>
          <th role="columnheader" scope="col">
            <span className="visually-hidden">Ações</span>
          </th>
        </tr>
      </thead>
      <tbody role="rowgroup">
        {appointments.map((appointment) => {
          const highlight = highlights[appointment.id];
          const historyOpen = expandedHistory === appointment.id;
          const historyId = `historico-${appointment.id}`;
          const time = `${formatTime(appointment.startAt, zone)} – ${formatTime(appointment.endAt, zone)}`;
          const cancelled = appointment.status === 'CANCELLED';
          return (
            <Fragment key={appointment.id}>
              <tr
                role="row"
                className={`appointment${highlight ? ' appointment--highlight' : ''}${cancelled ? ' appointment--cancelled' : ''}`}
                data-appointment-id={appointment.id}
                data-highlight={highlight ?? undefined}
              >
                <td role="cell" data-label="Horário" className="appointment__time">
                  <div className="cell">
                    {multiDay ? <span className="appointment__date">{formatShortDate(appointment.startAt, zone)}</span> : null}
                    <span>{time}</span>
                    {highlight ? <span className="tag tag--live">{CHANGE_LABELS[highlight]}</span> : null}
                    {appointment.overlaps ? <OverlapBadge hostName={appointment.hostName} /> : null}
                  </div>
                </td>
                <td role="cell" data-label="Cliente" className="appointment__client">
                  <div className="cell">
                    <span className="appointment__name">{appointment.clientName}</span>
                    {!isPlaceholderEmail(appointment.clientEmail) ? <span className="appointment__email">{appointment.clientEmail}</span> : null}
                    {serviceNames && appointment.serviceId && serviceNames.get(appointment.serviceId) ? (
                      <span className="appointment__service" data-testid="appointment-service">{serviceNames.get(appointment.serviceId)}</span>
                    ) : null}
                    {appointment.hostName ? (
                      <span className="appointment__service" data-testid="appointment-host">com {appointment.hostName}</span>
                    ) : null}
                  </div>
                </td>
                <td role="cell" data-label="Telefone" className="appointment__phone">
                  <div className="cell">
                    {appointment.clientPhone ? formatPhone(appointment.clientPhone) : <span className="muted">—</span>}
                  </div>
                </td>
                <td role="cell" data-label="Status">
                  <div className="cell">
                    <StatusBadge status={appointment.status} />
                    {cancelled && appointment.cancellationReason ? (
                      <span className="appointment__reason">Motivo: {appointment.cancellationReason}</span>
                    ) : null}
                    {!cancelled ? <FollowUpBadges appointment={appointment} zone={zone} /> : null}
                    <AttendanceControls appointment={appointment} now={now} onMarked={onAttendanceMarked} />
                  </div>
                </td>
                <td role="cell" data-label="Link">
                  <div className="cell">
                    {appointment.meetingUrl ? (
                      <a href={appointment.meetingUrl} target="_blank" rel="noopener noreferrer" className="link-external">
                        <Icon name="link" /> Abrir reunião<span className="visually-hidden"> (abre em nova aba)</span>
                      </a>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </div>
                </td>
                <td role="cell" data-label="Origem">
                  <div className="cell">
                    {SOURCE_LABELS[appointment.source] ?? appointment.source}
                  </div>
                </td>
                <td role="cell" data-label="Ações" className="appointment__actions">
                  <button
                    type="button"
                    className="button button--small button--ghost"
                    aria-expanded={historyOpen}
                    aria-controls={historyOpen ? historyId : undefined}
                    onClick={() => onToggleHistory(appointment.id)}
                  >
                    <Icon name="history" /> Histórico<span className="visually-hidden"> de {appointment.clientName}</span>
                  </button>
                  {!cancelled ? (
                    <button
                      type="button"
                      className="button button--small button--danger-ghost"
                      onClick={(event) => onCancel(appointment, event.currentTarget)}
                    >
                      <Icon name="x" /> Cancelar<span className="visually-hidden"> agendamento de {appointment.clientName}</span>
                    </button>
                  ) : null}
                </td>
              </tr>
              {historyOpen ? (
                <tr role="row" className="appointment-history-row">
                  <td role="cell" colSpan={COLUMNS} id={historyId}>
                    <AppointmentHistory appointmentId={appointment.id} clientName={appointment.clientName} zone={zone} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
