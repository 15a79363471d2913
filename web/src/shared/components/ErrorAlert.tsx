import type { AppError, ErrorCode } from '../errors/app-error';
import { RouteLink } from '../routing/RouteLink';
import { Alert } from './Alert';
import { Icon } from './Icon';

interface Explanation {
  title: string;
  /** What to do about it, when the server's message does not already say. */
  hint?: string;
  action?: 'settings' | 'retry';
  retryLabel?: string;
}

const EXPLANATIONS: Record<ErrorCode, Explanation> = {
  BAD_USER_INPUT: { title: 'Verifique os dados informados' },
  UNAUTHENTICATED: { title: 'Sessão expirada', hint: 'Entre novamente para continuar.' },
  FORBIDDEN: { title: 'Sem permissão', hint: 'Sua conta não pode fazer esta operação. Peça ajuda a um administrador.' },
  NOT_FOUND: { title: 'Não encontrado', hint: 'O item pode ter sido removido. Atualize a lista.', action: 'retry', retryLabel: 'Atualizar' },
  CONFLICT: { title: 'Horário indisponível', action: 'retry', retryLabel: 'Recarregar horários' },
  CALCOM_NOT_CONFIGURED: { title: 'Agenda não configurada', action: 'settings' },
  CALCOM_UNAVAILABLE: { title: 'Cal.com indisponível', action: 'retry', retryLabel: 'Tentar novamente' },
  CALCOM_REJECTED: {
    title: 'O Cal.com recusou a operação',
    hint: 'Confira o tipo de evento e o usuário padrão em Configurações.',
    action: 'settings',
  },
  RATE_LIMITED: { title: 'Muitas tentativas', hint: 'Aguarde alguns instantes antes de tentar de novo.' },
  SERVICE_UNAVAILABLE: { title: 'Serviço temporariamente indisponível', action: 'retry', retryLabel: 'Tentar novamente' },
  NOT_AVAILABLE: { title: 'Recurso indisponível' },
  NETWORK: { title: 'Sem conexão com o servidor', action: 'retry', retryLabel: 'Tentar novamente' },
  INTERNAL: { title: 'Algo deu errado', action: 'retry', retryLabel: 'Tentar novamente' },
};

interface Props {
  error: AppError | null | undefined;
  onRetry?: () => void;
  retryLabel?: string;
  onDismiss?: () => void;
  className?: string;
  /** Off on the Configurações screen itself. */
  settingsLink?: boolean;
}

/** An error that says what happened and offers the next step (settings link, retry, reload slots…). */
export function ErrorAlert({ error, onRetry, retryLabel, onDismiss, className, settingsLink = true }: Props) {
  if (!error) return null;
  const explanation = EXPLANATIONS[error.code];
  const actions =
    explanation.action === 'settings' && settingsLink ? (
      <RouteLink to="settings" className="button button--small button--secondary">
        <Icon name="settings" /> Abrir Configurações
      </RouteLink>
    ) : explanation.action === 'retry' && onRetry ? (
      <button type="button" className="button button--small button--secondary" onClick={onRetry}>
        <Icon name="refresh" /> {retryLabel ?? explanation.retryLabel ?? 'Tentar novamente'}
      </button>
    ) : null;
  return (
    <Alert tone="error" title={explanation.title} actions={actions} onDismiss={onDismiss} className={className}>
      <p data-error-code={error.code}>{error.message}</p>
      {explanation.hint && !error.message.includes(explanation.hint) ? <p>{explanation.hint}</p> : null}
    </Alert>
  );
}
