import { useState, type FormEvent } from 'react';
import { CopyField } from '../../shared/components/CopyField';
import { Field } from '../../shared/components/Field';
import type { Company } from '../graphql/company-fields.fragment';
import type { CompanySettingsInput } from '../graphql/update-company-settings.mutation';
import { useSettingsForm } from '../hooks/useSettingsForm';
import { isHttpUrl } from '../model/http-url';
import { InboundToken } from './InboundToken';
import { MaskedSecretInput } from './MaskedSecretInput';
import { SaveResult } from './SaveResult';

const LABELS = { whaticketUrl: 'URL do Whaticket', whaticketToken: 'Token de envio' };

/** Whaticket's settings inside the WhatsApp section; saving them also makes Whaticket the company's provider. */
export function WhaticketSection({ company }: { company: Company }) {
  const { errors, result, saving, save, dismiss } = useSettingsForm(LABELS);
  const [url, setUrl] = useState(company.whaticketUrl ?? '');
  const [token, setToken] = useState('');
  const [inboundToken, setInboundToken] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (url.trim() && !isHttpUrl(url)) problems.whaticketUrl = 'Informe uma URL começando com http:// ou https://';
    if (token.length > 500) problems.whaticketToken = 'O token é longo demais.';
    await save({
      problems,
      input: () => {
        const input: CompanySettingsInput = {};
        if (company.whatsappProvider !== 'WHATICKET') input.whatsappProvider = 'WHATICKET';
        if ((url.trim() || null) !== company.whaticketUrl) input.whaticketUrl = url.trim() || null;
        if (token.trim()) input.whaticketToken = token.trim();
        return input;
      },
      message: 'Configurações do Whaticket salvas.',
      onSaved: (saved) => {
        setToken('');
        setUrl(saved.whaticketUrl ?? '');
      },
    });
  };

  return (
    <section className="subpanel" aria-labelledby="secao-whaticket">
      <h3 id="secao-whaticket" className="panel__subtitle">
        Whaticket (WhatsApp)
      </h3>
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
            {saving ? 'Salvando…' : company.whatsappProvider === 'WHATICKET' ? 'Salvar Whaticket' : 'Salvar e usar o Whaticket'}
          </button>
        </div>
        <SaveResult state={result} onDismiss={dismiss} />
      </form>

      <h4 className="panel__subtitle">Mensagens recebidas</h4>
      <p className="muted">Configure no Whaticket um webhook para a URL abaixo, enviando o token de entrada no cabeçalho Authorization: Bearer.</p>
      <CopyField label="URL de entrada" value={`${location.origin}${company.whaticketInboundPath}`} />
      <InboundToken company={company} pasteWhere="na integração do Whaticket" token={inboundToken} onToken={setInboundToken} />
    </section>
  );
}
