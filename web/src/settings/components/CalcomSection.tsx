import { useState, type FormEvent } from 'react';
import { Alert } from '../../shared/components/Alert';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Field } from '../../shared/components/Field';
import { Icon } from '../../shared/components/Icon';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import type { Company } from '../graphql/company-fields.fragment';
import type { CalcomConnectionTest } from '../graphql/test-calcom-connection.mutation';
import type { CompanySettingsInput } from '../graphql/update-company-settings.mutation';
import { useTestCalcomConnection } from '../hooks/useTestCalcomConnection';
import { useSettingsForm } from '../hooks/useSettingsForm';
import { isHttpUrl } from '../model/http-url';
import { MaskedSecretInput } from './MaskedSecretInput';
import { SaveResult } from './SaveResult';

const LABELS = {
  calApiUrl: 'URL da API do Cal.com',
  calApiKey: 'Chave de API',
  calEventTypeId: 'ID do tipo de evento',
  calDefaultUserId: 'ID do usuário padrão',
};

export function CalcomSection({ company }: { company: Company }) {
  const { errors, result, saving, save, dismiss } = useSettingsForm(LABELS);
  const { test, testing } = useTestCalcomConnection();
  const [apiUrl, setApiUrl] = useState(company.calApiUrl);
  const [apiKey, setApiKey] = useState('');
  const [eventTypeId, setEventTypeId] = useState(company.calEventTypeId?.toString() ?? '');
  const [defaultUserId, setDefaultUserId] = useState(company.calDefaultUserId ?? '');
  const [testResult, setTestResult] = useState<CalcomConnectionTest | null>(null);
  const [testError, setTestError] = useState<AppError | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!isHttpUrl(apiUrl)) problems.calApiUrl = 'Informe uma URL começando com http:// ou https://, ex.: https://api.cal.com';
    if (eventTypeId.trim() && !/^[1-9]\d*$/.test(eventTypeId.trim())) problems.calEventTypeId = 'Use um número inteiro positivo.';
    if (apiKey.length > 500) problems.calApiKey = 'A chave é longa demais.';
    await save({
      problems,
      input: () => {
        const input: CompanySettingsInput = {};
        if (apiUrl.trim() !== company.calApiUrl) input.calApiUrl = apiUrl.trim();
        if (apiKey.trim()) input.calApiKey = apiKey.trim();
        const eventType = eventTypeId.trim() ? Number(eventTypeId.trim()) : null;
        if (eventType !== company.calEventTypeId) input.calEventTypeId = eventType;
        if ((defaultUserId.trim() || null) !== company.calDefaultUserId) input.calDefaultUserId = defaultUserId.trim() || null;
        return input;
      },
      message: 'Configurações do Cal.com salvas.',
      onSaved: (saved) => {
        setApiKey('');
        setApiUrl(saved.calApiUrl);
        setEventTypeId(saved.calEventTypeId?.toString() ?? '');
        setDefaultUserId(saved.calDefaultUserId ?? '');
      },
    });
  };

  const runTest = async () => {
    setTestResult(null);
    setTestError(null);
    try {
      setTestResult(await test());
    } catch (caught) {
      setTestError(toAppError(caught));
    }
  };

  return (
    <section className="panel" aria-labelledby="secao-calcom">
      <div className="panel__header">
        <h2 id="secao-calcom" className="panel__title">
          Cal.com
        </h2>
        {company.calendarConfigured ? (
          <span className="badge badge--confirmed">
            <Icon name="check" size={14} /> Agenda configurada
          </span>
        ) : (
          <span className="badge badge--pending">
            <Icon name="alert" size={14} /> Agenda não configurada
          </span>
        )}
      </div>
      {!company.calendarConfigured ? (
        <p className="muted">Preencha a chave de API e o ID do tipo de evento para o painel e o bot poderem agendar.</p>
      ) : null}
      <form className="form" onSubmit={submit} noValidate>
        <div className="form__grid">
          <Field label={LABELS.calApiUrl} error={errors.calApiUrl} hint="Cal.com na nuvem: https://api.cal.com" required>
            {(control) => (
              <input {...control} name="calApiUrl" className="input" type="url" inputMode="url" value={apiUrl} onChange={(event) => setApiUrl(event.target.value)} />
            )}
          </Field>
          <MaskedSecretInput
            label={LABELS.calApiKey}
            name="calApiKey"
            current={company.calApiKey}
            value={apiKey}
            onChange={setApiKey}
            error={errors.calApiKey}
          />
          <Field label={LABELS.calEventTypeId} error={errors.calEventTypeId} hint="Número do tipo de evento usado nas reuniões.">
            {(control) => (
              <input
                {...control}
                name="calEventTypeId"
                className="input"
                inputMode="numeric"
                value={eventTypeId}
                onChange={(event) => setEventTypeId(event.target.value)}
              />
            )}
          </Field>
          <Field label={LABELS.calDefaultUserId} error={errors.calDefaultUserId} hint="Responsável pelos horários (opcional).">
            {(control) => (
              <input
                {...control}
                name="calDefaultUserId"
                className="input"
                value={defaultUserId}
                onChange={(event) => setDefaultUserId(event.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving}>
            {saving ? 'Salvando…' : 'Salvar Cal.com'}
          </button>
          <button type="button" className="button button--secondary" onClick={runTest} disabled={testing}>
            <Icon name="refresh" /> {testing ? 'Testando…' : 'Testar conexão'}
          </button>
        </div>
        <p className="field__hint">O teste usa as configurações já salvas.</p>
        <SaveResult state={result} onDismiss={dismiss} />
        {testResult ? (
          <Alert
            tone={testResult.ok ? 'success' : 'error'}
            title={testResult.ok ? 'Conexão com o Cal.com funcionando' : 'Falha na conexão com o Cal.com'}
            onDismiss={() => setTestResult(null)}
          >
            <p>{testResult.message}</p>
            {testResult.ok ? (
              <p>
                {testResult.slotCount === 1 ? '1 horário livre encontrado.' : `${testResult.slotCount} horários livres encontrados.`}
              </p>
            ) : null}
          </Alert>
        ) : null}
        <ErrorAlert error={testError} onRetry={runTest} onDismiss={() => setTestError(null)} settingsLink={false} />
      </form>
    </section>
  );
}
