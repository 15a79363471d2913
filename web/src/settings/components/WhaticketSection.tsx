import { useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../../shared/components/ConfirmDialog';
import { CopyField } from '../../shared/components/CopyField';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Field } from '../../shared/components/Field';
import { Icon } from '../../shared/components/Icon';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import type { Company } from '../graphql/company-fields.fragment';
import type { CompanySettingsInput } from '../graphql/update-company-settings.mutation';
import { useRotateWhaticketInboundToken } from '../hooks/useRotateWhaticketInboundToken';
import { useUpdateCompanySettings } from '../hooks/useUpdateCompanySettings';
import { settingsFieldErrors } from '../model/settings-errors';
import { MaskedSecretInput } from './MaskedSecretInput';
import { SaveResult, type SaveState } from './SaveResult';
import { SecretOnce } from './SecretOnce';

const LABELS = { whaticketUrl: 'URL do Whaticket', whaticketToken: 'Token de envio' };

export function WhaticketSection({ company }: { company: Company }) {
  const { update, saving } = useUpdateCompanySettings();
  const { rotate, rotating } = useRotateWhaticketInboundToken();
  const [url, setUrl] = useState(company.whaticketUrl ?? '');
  const [token, setToken] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<SaveState>({ kind: 'idle' });
  const [inboundToken, setInboundToken] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [rotateError, setRotateError] = useState<AppError | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setResult({ kind: 'idle' });
    const problems: Record<string, string> = {};
    if (url.trim() && !/^https?:\/\/[^\s]+$/i.test(url.trim())) problems.whaticketUrl = 'Informe uma URL começando com http:// ou https://';
    if (token.length > 500) problems.whaticketToken = 'O token é longo demais.';
    setErrors(problems);
    if (Object.keys(problems).length) return;
    const input: CompanySettingsInput = {};
    if ((url.trim() || null) !== company.whaticketUrl) input.whaticketUrl = url.trim() || null;
    if (token.trim()) input.whaticketToken = token.trim();
    if (Object.keys(input).length === 0) return setResult({ kind: 'unchanged' });
    try {
      const saved = await update(input);
      setToken('');
      setUrl(saved.whaticketUrl ?? '');
      setResult({ kind: 'saved', message: 'Configurações do Whaticket salvas.' });
    } catch (caught) {
      const error = toAppError(caught);
      const fields = settingsFieldErrors(error, LABELS);
      setErrors(fields);
      setResult(Object.keys(fields).length ? { kind: 'idle' } : { kind: 'error', error });
    }
  };

  const rotateToken = async () => {
    setConfirming(false);
    setRotateError(null);
    try {
      setInboundToken(await rotate());
    } catch (caught) {
      setRotateError(toAppError(caught));
    }
  };

  return (
    <section className="panel" aria-labelledby="secao-whaticket">
      <h2 id="secao-whaticket" className="panel__title">
        Whaticket (WhatsApp)
      </h2>
      <form className="form" onSubmit={submit} noValidate>
        <div className="form__grid">
          <Field label={LABELS.whaticketUrl} error={errors.whaticketUrl} hint="Endereço do backend, ex.: https://api.whaticket.suaempresa.com.br">
            {(control) => (
              <input {...control} name="whaticketUrl" className="input" type="url" inputMode="url" value={url} onChange={(event) => setUrl(event.target.value)} />
            )}
          </Field>
          <MaskedSecretInput
            label={LABELS.whaticketToken}
            name="whaticketToken"
            current={company.whaticketToken}
            value={token}
            onChange={setToken}
            error={errors.whaticketToken}
          />
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving}>
            {saving ? 'Salvando…' : 'Salvar Whaticket'}
          </button>
        </div>
        <SaveResult state={result} onDismiss={() => setResult({ kind: 'idle' })} />
      </form>

      <h3 className="panel__subtitle">Mensagens recebidas</h3>
      <p className="muted">Configure no Whaticket um webhook para a URL abaixo, enviando o token de entrada no cabeçalho Authorization: Bearer.</p>
      <CopyField label="URL de entrada" value={`${location.origin}${company.whaticketInboundPath}`} />
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
      {inboundToken ? (
        <SecretOnce
          label="Token de entrada"
          value={inboundToken}
          instructions="Cole este token na integração do Whaticket. O token anterior já deixou de funcionar."
          onDone={() => setInboundToken(null)}
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
      <ErrorAlert error={rotateError} onDismiss={() => setRotateError(null)} settingsLink={false} />
      <ConfirmDialog
        open={confirming}
        title="Gerar novo token de entrada?"
        message="O token atual deixará de funcionar imediatamente: o Whaticket só voltará a entregar mensagens depois que você colar o novo token lá."
        confirmLabel="Gerar novo token"
        onConfirm={() => void rotateToken()}
        onClose={() => setConfirming(false)}
        danger
      />
    </section>
  );
}
