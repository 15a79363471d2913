import { useState } from 'react';
import { ConfirmDialog } from '../../shared/components/ConfirmDialog';
import { CopyField } from '../../shared/components/CopyField';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Icon } from '../../shared/components/Icon';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import type { Company } from '../graphql/company-fields.fragment';
import { useUpdateCompanySettings } from '../hooks/useUpdateCompanySettings';
import { generateSecret } from '../model/generate-secret';
import { SecretOnce } from './SecretOnce';

/** What to paste into Cal.com's webhook form, and the signing secret (generated here, shown once). */
export function WebhookSection({ company }: { company: Company }) {
  const { update, saving } = useUpdateCompanySettings();
  const [secret, setSecret] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  const generate = async () => {
    setConfirming(false);
    setError(null);
    const value = generateSecret();
    try {
      await update({ calWebhookSecret: value });
      setSecret(value);
    } catch (caught) {
      setError(toAppError(caught));
    }
  };

  return (
    <section className="panel" aria-labelledby="secao-webhook">
      <h2 id="secao-webhook" className="panel__title">
        Webhook do Cal.com
      </h2>
      <p className="muted">
        No Cal.com, em Configurações → Desenvolvedor → Webhooks, crie um webhook com a URL abaixo, marque os eventos de reserva
        (criada, reagendada, cancelada) e use o segredo gerado aqui.
      </p>
      <CopyField label="URL do webhook" value={`${location.origin}${company.webhookPath}`} />
      <CopyField
        label="Cabeçalho X-Cal-Company"
        value={company.id}
        hint="Identifica sua empresa: envie este valor no cabeçalho X-Cal-Company de cada entrega."
      />
      <div className="secret-status">
        <span className="field__label">Segredo de assinatura</span>
        {company.calWebhookSecret ? (
          <span>
            <span className="badge badge--confirmed">
              <Icon name="check" size={14} /> Configurado
            </span>{' '}
            <code className="mask" data-testid="calWebhookSecret-mask">
              {company.calWebhookSecret}
            </code>
          </span>
        ) : (
          <span className="badge badge--pending">
            <Icon name="alert" size={14} /> Não configurado: os webhooks serão recusados
          </span>
        )}
      </div>
      {secret ? (
        <SecretOnce
          label="Segredo do webhook"
          value={secret}
          instructions="Cole este valor no campo “Secret” do webhook no Cal.com. O segredo anterior, se havia, já deixou de valer."
          onDone={() => setSecret(null)}
        />
      ) : (
        <div className="form__actions">
          <button
            type="button"
            className="button button--secondary"
            disabled={saving}
            onClick={() => (company.calWebhookSecret ? setConfirming(true) : void generate())}
          >
            <Icon name="key" /> {saving ? 'Gerando…' : company.calWebhookSecret ? 'Gerar novo segredo' : 'Gerar segredo'}
          </button>
        </div>
      )}
      <ErrorAlert error={error} onDismiss={() => setError(null)} settingsLink={false} />
      <ConfirmDialog
        open={confirming}
        title="Gerar novo segredo?"
        message="O segredo atual deixará de funcionar imediatamente: os webhooks do Cal.com serão recusados até você colar o novo segredo lá."
        confirmLabel="Gerar novo segredo"
        onConfirm={() => void generate()}
        onClose={() => setConfirming(false)}
        danger
      />
    </section>
  );
}
