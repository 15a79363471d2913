import { ATTENDANCE_PLURAL_WORDS } from '../../agenda/model/attendance';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Icon } from '../../shared/components/Icon';
import { Spinner } from '../../shared/components/Spinner';
import { useCompany } from '../../settings/hooks/useCompany';
import { useAttendanceSummary } from '../hooks/useAttendanceSummary';
import { percent, SUMMARY_WEEKS, totals, weekLabel } from '../model/summary';
import { WeeklyChart } from './WeeklyChart';
import '../summary.css';

/** "Resumo": the last 8 weeks of appointments, client confirmations and no-shows (its own lazy chunk). */
export function SummaryPage({ active }: { active: boolean }) {
  const { company } = useCompany();
  const { weeks, loading, error, refetch } = useAttendanceSummary(active);
  const total = weeks ? totals(weeks) : null;
  return (
    <section className="page" aria-labelledby="titulo-summary">
      <div className="page__header">
        <div>
          <h1 id="titulo-summary" className="page__title" tabIndex={-1}>
            Resumo
          </h1>
          <p className="page__subtitle">
            Últimas {SUMMARY_WEEKS} semanas (segunda a domingo{company ? ` no fuso ${company.timezone}` : ''}), sem os agendamentos cancelados.
          </p>
        </div>
        <button type="button" className="button button--secondary" onClick={() => refetch().catch(() => {})} disabled={loading}>
          <Icon name="refresh" /> Atualizar
        </button>
      </div>
      <ErrorAlert error={error} onRetry={() => refetch().catch(() => {})} />
      {!weeks && loading ? <Spinner label="Carregando o resumo…" /> : null}
      {weeks && total ? (
        <>
          <dl className="summary-totals">
            <div>
              <dt>Agendamentos</dt>
              <dd data-testid="total-appointments">{total.appointments}</dd>
            </div>
            <div>
              <dt>Confirmados pelo cliente</dt>
              <dd data-testid="total-confirmations">{total.confirmations}</dd>
            </div>
            <div>
              <dt>{ATTENDANCE_PLURAL_WORDS.NO_SHOW}</dt>
              <dd data-testid="total-no-shows">{total.noShows}</dd>
            </div>
            <div>
              <dt>Taxa de não comparecimento</dt>
              <dd data-testid="total-rate">{percent(total.noShowRate)}</dd>
            </div>
          </dl>
          <WeeklyChart weeks={weeks} />
          <table className="summary-table">
            <caption>Números por semana</caption>
            <thead>
              <tr>
                <th scope="col">Semana</th>
                <th scope="col">Agendamentos</th>
                <th scope="col">Confirmações</th>
                <th scope="col">Recusas</th>
                <th scope="col">{ATTENDANCE_PLURAL_WORDS.ATTENDED}</th>
                <th scope="col">{ATTENDANCE_PLURAL_WORDS.NO_SHOW}</th>
                <th scope="col">Taxa de não comparecimento</th>
              </tr>
            </thead>
            <tbody>
              {weeks.map((w) => (
                <tr key={w.weekStart} data-week={w.weekStart}>
                  <th scope="row">{weekLabel(w.weekStart)}</th>
                  <td>{w.appointments}</td>
                  <td>{w.confirmations}</td>
                  <td>{w.declines}</td>
                  <td>{w.attended}</td>
                  <td>{w.noShows}</td>
                  <td>{percent(w.noShowRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">A taxa conta só os agendamentos que já começaram; marque o comparecimento na Agenda, depois do horário.</p>
        </>
      ) : null}
    </section>
  );
}
