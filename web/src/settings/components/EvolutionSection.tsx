import { useState, type FormEvent } from 'react';
import { CopyField } from '../../shared/components/CopyField';
import { Field } from '../../shared/components/Field';
import type { Company } from '../graphql/company-fields.fragment';
import type { CompanySettingsInput } from '../graphql/update-company-settings.mutation';
import { useSettingsForm } from '../hooks/useSettingsForm';
import { evolutionWebhookBody, evolutionWebhookCall, TOKEN_PLACEHOLDER } from '../model/evolution-webhook';
import { isHttpUrl } from '../model/http-url';
import { InboundToken } from './InboundToken';
import { MaskedSecretInput } from './MaskedSecretInput';
import { SaveResult } from './SaveResult';

const LABELS = {
  evolutionUrl: 'URL da Evolution API',
  evolutionApiKey: 'Chave de API (apikey)',
  evolutionInstance: 'Nome da instância',
  evolutionApiVersion: 'Versão da Evolution API',
};

/** Evolution API's settings and the webhook to configure there; saving makes Evolution the company's provider. */
export function EvolutionSection({ company }: { company: Company }) {
  const { errors, result, saving, save, dismiss } = useSettingsForm(LABELS);
  const [url, setUrl] = useState(company.evolutionUrl ?? '');
  const [apiKey, setApiKey] = useState('');
  const [instance, setInstance] = useState(company.evolutionInstance ?? '');
  const [version, setVersion] = useState(String(company.evolutionApiVersion));
  const [inboundToken, setInboundToken] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (url.trim() && !isHttpUrl(url)) problems.evolutionUrl = 'Informe uma URL começando com http:// ou https://';
    if (apiKey.length > 500) problems.evolutionApiKey = 'A chave é longa demais.';
    if (/[\s/?#]/.test(instance.trim())) problems.evolutionInstance = 'Use o nome da instância como aparece na Evolution API, sem espaços, "/", "?" ou "#".';
    await save({
      problems,
      input: () => {
        const input: CompanySettingsInput = {};
        if (company.whatsappProvider !== 'EVOLUTION') input.whatsappProvider = 'EVOLUTION';
        if ((url.trim() || null) !== company.evolutionUrl) input.evolutionUrl = url.trim() || null;
        if (apiKey.trim()) input.evolutionApiKey = apiKey.trim();
        if ((instance.trim() || null) !== company.evolutionInstance) input.evolutionInstance = instance.trim() || null;
        if (Number(version) !== company.evolutionApiVersion) input.evolutionApiVersion = Number(version);
        return input;
      },
      message: 'Configurações da Evolution API salvas.',
      onSaved: (saved) => {
        setApiKey('');
        setUrl(saved.evolutionUrl ?? '');
        setInstance(saved.evolutionInstance ?? '');
      },
    });
  };

  const inboundUrl = `${location.origin}${company.evolutionInboundPath}`;
  return (
    <section className="subpanel" aria-labelledby="secao-evolution">
      <h3 id="secao-evolution" className="panel__subtitle">
        Evolution API
      </h3>
      <form className="form" onSubmit={submit} noValidate>
        <div className="form__grid">
          <Field label={LABELS.evolutionUrl} error={errors.evolutionUrl} hint="Endereço do servidor, ex.: https://evolution.suaempresa.com.br">
            {(control) => (
              <input {...control} name="evolutionUrl" className="input" type="url" inputMode="url" value={url} onChange={(event) => setUrl(event.target.value)} />
            )}
          </Field>
          <MaskedSecretInput
            label={LABELS.evolutionApiKey}
            name="evolutionApiKey"
            current={company.evolutionApiKey}
            value={apiKey}
            onChange={setApiKey}
            error={errors.evolutionApiKey}
          />
          <Field label={LABELS.evolutionInstance} error={errors.evolutionInstance} hint="Como aparece na Evolution API, ex.: clinica">
            {(control) => <input {...control} name="evolutionInstance" className="input" value={instance} onChange={(event) => setInstance(event.target.value)} />}
          </Field>
          <Field label={LABELS.evolutionApiVersion} error={errors.evolutionApiVersion} hint="A versão 2 é a atual; escolha 1 só para servidores 1.x.">
            {(control) => (
              <select {...control} name="evolutionApiVersion" className="input" value={version} onChange={(event) => setVersion(event.target.value)}>
                <option value="2">2 (2.x)</option>
                <option value="1">1 (1.x)</option>
              </select>
            )}
          </Field>
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving}>
            {saving ? 'Salvando…' : company.whatsappProvider === 'EVOLUTION' ? 'Salvar Evolution API' : 'Salvar e usar a Evolution API'}
          </button>
        </div>
        <SaveResult state={result} onDismiss={dismiss} />
      </form>

      <h4 className="panel__subtitle">Mensagens recebidas</h4>
      <p className="muted">
        A Evolution API não assina o que envia: o webhook da instância leva o token de entrada. Faça a chamada abaixo na Evolution API (com o cabeçalho apikey)
        {company.evolutionApiVersion === 1 ? '; na versão 1.x o token vai na própria URL.' : '.'}
      </p>
      <CopyField label="URL de entrada da Evolution API" value={inboundUrl} />
      <CopyField label="Chamada para configurar o webhook" value={evolutionWebhookCall(company.evolutionUrl, company.evolutionInstance)} />
      <CopyField
        multiline
        label="Corpo da chamada"
        value={evolutionWebhookBody(inboundUrl, inboundToken ?? TOKEN_PLACEHOLDER, company.evolutionApiVersion)}
        hint={inboundToken ? 'O corpo já traz o token novo: copie-o agora, ele não será mostrado de novo.' : `Troque ${TOKEN_PLACEHOLDER} pelo token de entrada (gere um novo abaixo se não o tiver).`}
      />
      <InboundToken company={company} pasteWhere="no webhook da Evolution API" token={inboundToken} onToken={setInboundToken} />
    </section>
  );
}
