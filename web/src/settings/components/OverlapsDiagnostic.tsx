import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Icon } from '../../shared/components/Icon';
import { Spinner } from '../../shared/components/Spinner';
import { formatDateTime, formatTime } from '../../shared/time/zoned-time';
import { useAppointmentOverlaps } from '../hooks/useAppointmentOverlaps';

/**
 * Diagnóstico: upcoming appointments that Cal.com booked on top of another of the same host. They
 * are all in the Agenda (Cal.com is the truth); this says how many and which, so the admin can
 * cancel or move one.
 */
export function OverlapsDiagnostic({ active, zone }: { active: boolean; zone: string }) {
  const { total, appointments, loading, error, refetch } = useAppointmentOverlaps(active);
  return (
    <section className="panel" aria-labelledby="secao-sobrepostos">
      <div className="panel__header">
        <h2 id="secao-sobrepostos" className="panel__title">
          Horários sobrepostos
        </h2>
        <button type="button" className="button button--small button--ghost" onClick={() => refetch().catch(() => {})}>
          <Icon name="refresh" /> Atualizar
        </button>
      </div>
      <p className="muted">Agendamentos dos próximos 90 dias que o Cal.com aceitou no mesmo horário de outro do mesmo profissional.</p>
      {loading ? <Spinner label="Carregando horários sobrepostos…" /> : null}
      <ErrorAlert error={error} onRetry={() => refetch().catch(() => {})} settingsLink={false} />
      {!loading && !error ? (
        <p data-testid="overlaps-total">
          {total === 0 ? 'Nenhum horário sobreposto.' : total === 1 ? '1 agendamento com horário sobreposto.' : `${total} agendamentos com horário sobreposto.`}
        </p>
      ) : null}
      {appointments.length > 0 ? (
        <ul className="overlaps-list" aria-label="Agendamentos com horário sobreposto">
          {appointments.map((a) => (
            <li key={a.id}>
              {formatDateTime(a.startAt, zone)}–{formatTime(a.endAt, zone)} · {a.clientName}
              {a.hostName ? ` · ${a.hostName}` : ''}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
