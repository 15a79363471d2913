import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Spinner } from '../../shared/components/Spinner';
import { formatDateTime } from '../../shared/time/zoned-time';
import { useAppointmentHistory } from '../hooks/useAppointmentHistory';
import { ACTOR_TYPE_LABELS, auditActionLabel, SOURCE_LABELS, VIA_LABELS } from '../model/labels';
import type { AppointmentSource } from '../model/appointment';
import { attendanceInSentence, isAttendance } from '../model/attendance';

interface Props {
  appointmentId: string;
  clientName: string;
  zone: string;
}

export function AppointmentHistory({ appointmentId, clientName, zone }: Props) {
  const { entries, loading, error, refetch } = useAppointmentHistory(appointmentId);
  return (
    <section className="history" aria-label={`Histórico de ${clientName}`}>
      <h3 className="history__title">Histórico</h3>
      {loading ? <Spinner label="Carregando histórico…" /> : null}
      <ErrorAlert error={error} onRetry={() => refetch().catch(() => {})} />
      {!loading && !error && entries.length === 0 ? <p className="muted">Nenhum registro no histórico.</p> : null}
      {entries.length > 0 ? (
        <ol className="history__list">
          {entries.map((entry) => {
            const details = describeData(entry.data, zone);
            return (
              <li key={entry.id} className="history__item" data-action={entry.action}>
                <time className="history__time" dateTime={entry.at}>
                  {formatDateTime(entry.at, zone)}
                </time>
                <div className="history__body">
                  <span className="history__action">{auditActionLabel(entry.action)}</span>
                  <span className="history__actor">
                    por {ACTOR_TYPE_LABELS[entry.actorType] ?? entry.actorType}
                    {entry.actorLabel ? ` (${entry.actorLabel})` : ''}
                  </span>
                  {details.length > 0 ? (
                    <ul className="history__details">
                      {details.map((line) => (
                        <li key={line}>{line}</li>
                      ))}
                    </ul>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ol>
      ) : null}
    </section>
  );
}

/** The parts of an audit entry's JSON an admin cares about, in Portuguese. */
function describeData(raw: string, zone: string): string[] {
  let data: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!parsed || typeof parsed !== 'object') return [];
    data = parsed as Record<string, unknown>;
  } catch {
    return [];
  }
  const lines: string[] = [];
  const when = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? formatDateTime(value, zone) : null);
  const from = data.from as { start?: unknown } | undefined;
  const to = data.to as { start?: unknown } | undefined;
  if (from && to && when(from.start) && when(to.start)) lines.push(`De ${when(from.start)} para ${when(to.start)}`);
  else if (when(data.start)) lines.push(`Horário: ${when(data.start)}`);
  if (isAttendance(data.to)) lines.push(`Comparecimento: ${attendanceInSentence(data.to)}`);
  if (typeof data.reason === 'string' && data.reason) lines.push(`Motivo: ${data.reason}`);
  if (typeof data.via === 'string') lines.push(`Via: ${VIA_LABELS[data.via] ?? data.via}`);
  if (typeof data.source === 'string') lines.push(`Origem: ${SOURCE_LABELS[data.source as AppointmentSource] ?? data.source}`);
  if (typeof data.intent === 'string') lines.push(`Intenção: ${data.intent}`);
  if (typeof data.meetingUrl === 'string' && data.meetingUrl) lines.push(`Link: ${data.meetingUrl}`);
  return lines;
}
