import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Spinner } from '../../shared/components/Spinner';
import { useCompany } from '../hooks/useCompany';
import { ApiKeysSection } from './ApiKeysSection';
import { CalcomSection } from './CalcomSection';
import { CompanySection } from './CompanySection';
import { DiagnosticsSection } from './DiagnosticsSection';
import { WebhookSection } from './WebhookSection';
import { WhatsappSection } from './WhatsappSection';

export function SettingsPage({ active }: { active: boolean }) {
  const { company, error, refetch } = useCompany();
  return (
    <section className="page" aria-labelledby="titulo-settings">
      <div className="page__header">
        <div>
          <h1 id="titulo-settings" className="page__title" tabIndex={-1}>
            Configurações
          </h1>
          <p className="page__subtitle">Integrações com o Cal.com e o WhatsApp. As alterações valem na hora, sem reiniciar nada.</p>
        </div>
      </div>
      <ErrorAlert error={error} onRetry={() => refetch().catch(() => {})} settingsLink={false} />
      {!company && !error ? <Spinner /> : null}
      {company ? (
        <div className="settings">
          <CalcomSection company={company} />
          <WebhookSection company={company} />
          <WhatsappSection company={company} active={active} />
          <CompanySection company={company} />
          <ApiKeysSection zone={company.timezone} />
          <DiagnosticsSection active={active} zone={company.timezone} />
        </div>
      ) : null}
    </section>
  );
}
