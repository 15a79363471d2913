import { useState } from 'react';
import { Alert } from '../../shared/components/Alert';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Icon } from '../../shared/components/Icon';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import { formatDateTime } from '../../shared/time/zoned-time';
import type { Company, WhatsappProvider } from '../graphql/company-fields.fragment';
import type { WhatsappConnectionTest } from '../graphql/test-whatsapp-connection.mutation';
import { useTestWhatsappConnection } from '../hooks/useTestWhatsappConnection';
import { WHATSAPP_PROVIDERS } from '../model/whatsapp-providers';
import { CloudApiSection } from './CloudApiSection';
import { EvolutionSection } from './EvolutionSection';
import { WhatsappDeliveryErrors } from './WhatsappDeliveryErrors';
import { WhaticketSection } from './WhaticketSection';


/**
 * Configurações → WhatsApp: which provider carries the company's WhatsApp, its settings and what to
 * paste there, "Testar conexão" (uses the saved provider) and the last delivery errors.
 */
export function WhatsappSection({ company, active }: { company: Company; active: boolean }) {
  const [shown, setShown] = useState<WhatsappProvider>(company.whatsappProvider);
  const { test, testing } = useTestWhatsappConnection();
  const [testResult, setTestResult] = useState<WhatsappConnectionTest | null>(null);
  const [testError, setTestError] = useState<AppError | null>(null);
  const current = WHATSAPP_PROVIDERS.find((p) => p.id === company.whatsappProvider)!;

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
    <section className="panel" aria-labelledby="secao-whatsapp">
      <h2 id="secao-whatsapp" className="panel__title">
        WhatsApp
      </h2>
      <p className="muted">
        Em uso: <strong>{current.label}</strong>. O simulador funciona com qualquer provedor.
      </p>
      {company.whatsappConnectionError ? (
        <Alert tone="error" title="Conexão com o WhatsApp interrompida">
          <p>{company.whatsappConnectionError}</p>
          {company.whatsappConnectionErrorAt ? <p className="muted">Desde {formatDateTime(company.whatsappConnectionErrorAt, company.timezone)}.</p> : null}
        </Alert>
      ) : null}
      <fieldset className="form__fieldset">
        <legend className="field__label">Provedor do WhatsApp</legend>
        <div className="provider-choice">
          {WHATSAPP_PROVIDERS.map((p) => (
            <label key={p.id} className="provider-choice__option">
              <input type="radio" name="whatsappProvider" value={p.id} checked={shown === p.id} onChange={() => setShown(p.id)} /> {p.label}
            </label>
          ))}
        </div>
        <p className="field__hint">
          {WHATSAPP_PROVIDERS.find((p) => p.id === shown)!.hint}
          {shown !== company.whatsappProvider ? ' Salve as configurações abaixo para passar a usá-lo.' : ''}
        </p>
      </fieldset>

      {shown === 'WHATICKET' ? <WhaticketSection company={company} /> : null}
      {shown === 'EVOLUTION' ? <EvolutionSection company={company} /> : null}
      {shown === 'CLOUD_API' ? <CloudApiSection company={company} /> : null}

      <h3 className="panel__subtitle">Testar conexão</h3>
      <div className="form__actions">
        <button type="button" className="button button--secondary" disabled={testing} onClick={() => void runTest()}>
          <Icon name="refresh" /> {testing ? 'Testando…' : 'Testar conexão'}
        </button>
      </div>
      <p className="field__hint">O teste usa o provedor e as configurações já salvos ({current.label}).</p>
      {testResult ? (
        <Alert
          tone={testResult.ok ? 'success' : 'error'}
          title={testResult.ok ? `Conexão funcionando (${current.label})` : `Falha na conexão (${current.label})`}
          onDismiss={() => setTestResult(null)}
        >
          <p>{testResult.message}</p>
        </Alert>
      ) : null}
      <ErrorAlert error={testError} onDismiss={() => setTestError(null)} settingsLink={false} />

      <WhatsappDeliveryErrors active={active} zone={company.timezone} />
    </section>
  );
}
