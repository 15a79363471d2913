import { reconnectNow, type ConnectionState } from '../apollo/connection-status';
import { useConnectionState } from '../hooks/useConnectionState';

const LABELS: Record<ConnectionState, string> = {
  idle: 'Conectando…',
  connecting: 'Conectando…',
  connected: 'Conectado',
  reconnecting: 'Reconectando…',
  disconnected: 'Desconectado',
};

const DESCRIPTIONS: Record<ConnectionState, string> = {
  idle: 'Abrindo a conexão de atualizações em tempo real.',
  connecting: 'Abrindo a conexão de atualizações em tempo real.',
  connected: 'A agenda é atualizada em tempo real.',
  reconnecting: 'Conexão perdida; tentando reconectar. A lista será recarregada ao reconectar.',
  disconnected: 'Sem atualizações em tempo real. Clique em Reconectar.',
};

/** Live-updates status; a polite live region so screen readers hear "Reconectando…"/"Conectado". */
export function ConnectionIndicator() {
  const state = useConnectionState();
  return (
    <div className={`connection connection--${state}`} data-state={state}>
      <span className="connection__dot" aria-hidden="true" />
      <span role="status" aria-live="polite" className="connection__label" title={DESCRIPTIONS[state]}>
        <span className="visually-hidden">Tempo real: </span>
        {LABELS[state]}
      </span>
      {state === 'disconnected' ? (
        <button type="button" className="button button--small button--secondary" onClick={reconnectNow}>
          Reconectar
        </button>
      ) : null}
    </div>
  );
}
