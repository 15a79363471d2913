import { useState } from 'react';
import { ConfirmDialog } from '../../shared/components/ConfirmDialog';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Icon } from '../../shared/components/Icon';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import type { Company } from '../graphql/company-fields.fragment';
import { useRotateWhaticketInboundToken } from '../hooks/useRotateWhaticketInboundToken';
import { SecretOnce } from './SecretOnce';

interface Props {
  company: Company;
  /** Where the admin pastes it ("na integração do Whaticket"). */
  pasteWhere: string;
  /** The freshly generated token (shown once); the parent may also use it (e.g. in the Evolution body). */
  token: string | null;
  onToken: (token: string | null) => void;
}

/**
 * The company's one inbound token (every provider's inbound route checks it): whether it is set, and a
 * new one generated on demand, shown once.
 */
export function InboundToken({ company, pasteWhere, token, onToken }: Props) {
  const { rotate, rotating } = useRotateWhaticketInboundToken();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  const rotateToken = async () => {
    setConfirming(false);
    setError(null);
    try {
      onToken(await rotate());
    } catch (caught) {
      setError(toAppError(caught));
    }
  };

  return (
    <>
      <div className="secret-status">
        <span className="field__label">Token de entrada</span>
        {company.whaticketInboundTokenSet ? (
          <span className="badge badge--confirmed">
            <Icon name="check" size={14} /> Configurado
          </span>
        ) : (
          <span className="badge badge--pending">
            <Icon name="alert" size={14} /> Não configurado
          </span>
        )}
      </div>
      {token ? (
        <SecretOnce
          label="Token de entrada"
          value={token}
          instructions={`Cole este token ${pasteWhere}. O token anterior já deixou de funcionar.`}
          onDone={() => onToken(null)}
        />
      ) : (
        <div className="form__actions">
          <button
            type="button"
            className="button button--secondary"
            disabled={rotating}
            onClick={() => (company.whaticketInboundTokenSet ? setConfirming(true) : void rotateToken())}
          >
            <Icon name="key" /> {rotating ? 'Gerando…' : 'Gerar novo token'}
          </button>
        </div>
      )}
      <ErrorAlert error={error} onDismiss={() => setError(null)} settingsLink={false} />
      <ConfirmDialog
        open={confirming}
        title="Gerar novo token de entrada?"
        message={`O token atual deixará de funcionar imediatamente: as mensagens só voltarão a chegar depois que você colar o novo token ${pasteWhere}.`}
        confirmLabel="Gerar novo token"
        onConfirm={() => void rotateToken()}
        onClose={() => setConfirming(false)}
        danger
      />
    </>
  );
}
