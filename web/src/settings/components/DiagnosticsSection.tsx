import { useState } from 'react';
import { ConfirmDialog } from '../../shared/components/ConfirmDialog';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Icon, type IconName } from '../../shared/components/Icon';
import { Spinner } from '../../shared/components/Spinner';
import { formatDateTime } from '../../shared/time/zoned-time';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import type { WebhookDiagnostic } from '../graphql/webhook-diagnostics.query';
import { useFailedWebhookActions } from '../hooks/useFailedWebhookActions';
import { useWebhookDiagnostics } from '../hooks/useWebhookDiagnostics';

const OUTCOMES: Record<string, { label: string; icon: IconName; tone: string }> = {
  pending: { label: 'Aplicando', icon: 'clock', tone: 'neutral' },
  applied: { label: 'Aplicado', icon: 'check', tone: 'confirmed' },
  duplicate: { label: 'Duplicado', icon: 'repeat', tone: 'neutral' },
  stale: { label: 'Desatualizado', icon: 'clock', tone: 'neutral' },
  ignored: { label: 'Ignorado', icon: 'info', tone: 'neutral' },
  failed: { label: 'Falhou', icon: 'alert', tone: 'cancelled' },
  discarded: { label: 'Descartado', icon: 'x', tone: 'neutral' },
  rejected: { label: 'Rejeitado', icon: 'x', tone: 'cancelled' },
};

/** Rejections already come with a Portuguese explanation; only the terse codes need one. */
const REASONS: Record<string, string> = {
  ping: 'Teste de conexão enviado pelo Cal.com.',
};

const TRIGGERS: Record<string, string> = {
  BOOKING_CREATED: 'Reserva criada',
  BOOKING_REQUESTED: 'Reserva solicitada',
  BOOKING_RESCHEDULED: 'Reserva reagendada',
  BOOKING_CANCELLED: 'Reserva cancelada',
  BOOKING_REJECTED: 'Reserva recusada',
  PING: 'Teste (PING)',
};

export function DiagnosticsSection({ active, zone }: { active: boolean; zone: string }) {
  const { diagnostics, loading, error, refetch } = useWebhookDiagnostics(active);
  const actions = useFailedWebhookActions();
  const [actionError, setActionError] = useState<AppError | null>(null);
  const [discarding, setDiscarding] = useState<WebhookDiagnostic | null>(null);
  const run = (action: () => Promise<void>) => {
    setActionError(null);
    action().catch((e: unknown) => setActionError(toAppError(e)));
  };
  const hasFailed = diagnostics.some((d) => d.outcome === 'failed');
  return (
    <section className="panel" aria-labelledby="secao-diagnostico">
      <div className="panel__header">
        <h2 id="secao-diagnostico" className="panel__title">
          Diagnóstico de webhooks
        </h2>
        <button type="button" className="button button--small button--ghost" onClick={() => refetch().catch(() => {})}>
          <Icon name="refresh" /> Atualizar
        </button>
      </div>
      <p className="muted">Últimas entregas do Cal.com recebidas por esta empresa, aceitas e recusadas.</p>
      {loading ? <Spinner label="Carregando diagnóstico…" /> : null}
      <ErrorAlert error={error} onRetry={() => refetch().catch(() => {})} settingsLink={false} />
      <ErrorAlert error={actionError} onDismiss={() => setActionError(null)} settingsLink={false} />
      {!loading && !error && diagnostics.length === 0 ? <p className="muted">Nenhum webhook recebido ainda.</p> : null}
      {diagnostics.length > 0 ? (
        <table className="diagnostics" aria-label="Últimos webhooks">
          <thead role="rowgroup">
            <tr role="row">
              <th role="columnheader" scope="col">
                Recebido em
              </th>
              <th role="columnheader" scope="col">
                Evento
              </th>
              <th role="columnheader" scope="col">
                Resultado
              </th>
              <th role="columnheader" scope="col">
                Motivo
              </th>
              <th role="columnheader" scope="col">
                Reserva
              </th>
              {hasFailed ? (
                <th role="columnheader" scope="col">
                  Ações
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody role="rowgroup">
            {diagnostics.map((d, index) => {
              const outcome = OUTCOMES[d.outcome] ?? { label: d.outcome, icon: 'info' as IconName, tone: 'neutral' };
              return (
                <tr role="row" key={`${d.at}-${index}`} data-outcome={d.outcome}>
                  <td role="cell" data-label="Recebido em">
                  <div className="cell">
                      {formatDateTime(d.at, zone)}
                  </div>
                  </td>
                  <td role="cell" data-label="Evento">
                  <div className="cell">
                      {d.trigger ? (TRIGGERS[d.trigger] ?? d.trigger) : <span className="muted">—</span>}
                  </div>
                  </td>
                  <td role="cell" data-label="Resultado">
                  <div className="cell">
                      <span className={`badge badge--${outcome.tone}`}>
                        <Icon name={outcome.icon} size={14} /> {outcome.label}
                      </span>
                  </div>
                  </td>
                  <td role="cell" data-label="Motivo">
                  <div className="cell">
                      {d.reason ? (REASONS[d.reason] ?? d.reason) : <span className="muted">—</span>}
                  </div>
                  </td>
                  <td role="cell" data-label="Reserva" className="mono">
                  <div className="cell">
                      {d.bookingUid ?? <span className="muted">—</span>}
                  </div>
                  </td>
                  {hasFailed ? (
                    <td role="cell" data-label="Ações">
                      <div className="cell">
                        {d.outcome === 'failed' && d.id ? (
                          <>
                            <button type="button" className="button button--small button--secondary" disabled={actions.busy} onClick={() => run(() => actions.retry(d.id!))}>
                              <Icon name="refresh" /> Reprocessar
                            </button>{' '}
                            <button type="button" className="button button--small button--ghost" disabled={actions.busy} onClick={() => setDiscarding(d)}>
                              <Icon name="x" /> Descartar
                            </button>
                          </>
                        ) : null}
                      </div>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <ConfirmDialog
        open={discarding !== null}
        title="Descartar esta entrega?"
        message="Ela não será mais aplicada. Se a reserva existir no Cal.com, ela ainda pode chegar pela sincronização com o Cal.com ou por um novo evento dela."
        confirmLabel="Descartar"
        danger
        onClose={() => setDiscarding(null)}
        onConfirm={() => {
          const id = discarding?.id;
          setDiscarding(null);
          if (id) run(() => actions.discard(id));
        }}
      />
    </section>
  );
}
