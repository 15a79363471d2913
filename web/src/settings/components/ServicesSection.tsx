import { useState, type FormEvent } from 'react';
import { Alert } from '../../shared/components/Alert';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Field } from '../../shared/components/Field';
import { Spinner } from '../../shared/components/Spinner';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import type { Service } from '../../services/graphql/services.query';
import type { UpdateServiceInput } from '../../services/graphql/update-service.mutation';
import { useServices } from '../../services/hooks/useServices';
import { SaveResult, type SaveState } from './SaveResult';

const MAX_KEYWORDS = 20;
const MAX_KEYWORD_LENGTH = 60;

/**
 * Configurações → "Serviços": the Cal.com event types the company offers, imported with one button;
 * per service a local name, keywords (what clients type on WhatsApp) and whether it is offered.
 */
export function ServicesSection({ calendarConfigured }: { calendarConfigured: boolean }) {
  const { services, loading, error, refetch, sync, syncing, update } = useServices();
  const [syncResult, setSyncResult] = useState<{ kind: 'done'; count: number } | { kind: 'error'; error: AppError } | null>(null);

  const runSync = async () => {
    setSyncResult(null);
    try {
      setSyncResult({ kind: 'done', count: (await sync()).length });
    } catch (caught) {
      setSyncResult({ kind: 'error', error: toAppError(caught) });
    }
  };

  return (
    <section className="panel" aria-labelledby="secao-servicos">
      <div className="panel__header">
        <h2 id="secao-servicos" className="panel__title">
          Serviços
        </h2>
        <button type="button" className="button button--secondary" onClick={() => void runSync()} disabled={syncing}>
          {syncing ? 'Sincronizando…' : 'Sincronizar com o Cal.com'}
        </button>
      </div>
      <p className="muted">
        Cada serviço é um tipo de evento do Cal.com. No WhatsApp, o cliente pode pedir pelo nome ou por uma palavra-chave (“quero marcar uma limpeza”); com
        mais de um serviço ativo, o bot pergunta qual. Nome, palavras-chave e “Ativo” são daqui e continuam iguais a cada sincronização.
      </p>
      {!calendarConfigured ? <p className="muted">Preencha a chave de API do Cal.com acima para importar os serviços.</p> : null}
      {syncResult?.kind === 'done' ? (
        <Alert tone="success" title={`Sincronizado: ${syncResult.count} ${syncResult.count === 1 ? 'serviço' : 'serviços'}.`} onDismiss={() => setSyncResult(null)} />
      ) : null}
      {syncResult?.kind === 'error' ? <ErrorAlert error={syncResult.error} onDismiss={() => setSyncResult(null)} settingsLink={false} /> : null}
      {loading ? <Spinner label="Carregando serviços…" /> : null}
      <ErrorAlert error={error} onRetry={() => refetch().catch(() => {})} settingsLink={false} />
      {!loading && !error && services.length === 0 ? (
        <p className="muted">Nenhum serviço importado ainda: o bot agenda o tipo de evento padrão. Clique em “Sincronizar com o Cal.com”.</p>
      ) : null}
      {services.length > 0 ? (
        <ul className="services" aria-label="Serviços">
          {services.map((service) => (
            <ServiceItem key={service.id} service={service} onSave={update} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function ServiceItem({ service, onSave }: { service: Service; onSave: (id: string, input: UpdateServiceInput) => Promise<Service> }) {
  const [name, setName] = useState(service.name);
  const [keywords, setKeywords] = useState(service.keywords.join(', '));
  const [active, setActive] = useState(service.active);
  const [errors, setErrors] = useState<{ name?: string; keywords?: string }>({});
  const [result, setResult] = useState<SaveState>({ kind: 'idle' });
  const [saving, setSaving] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const list = keywords.split(',').map((k) => k.trim()).filter(Boolean);
    const problems: typeof errors = {};
    if (!name.trim() || name.trim().length > 100) problems.name = 'O nome deve ter entre 1 e 100 caracteres.';
    if (list.length > MAX_KEYWORDS || list.some((k) => k.length > MAX_KEYWORD_LENGTH)) {
      problems.keywords = `Até ${MAX_KEYWORDS} palavras-chave, cada uma com até ${MAX_KEYWORD_LENGTH} caracteres.`;
    }
    setErrors(problems);
    if (Object.keys(problems).length) return;
    const input: UpdateServiceInput = {};
    if (name.trim() !== service.name) input.name = name.trim();
    if (list.join('\n') !== service.keywords.join('\n')) input.keywords = list;
    if (active !== service.active) input.active = active;
    if (Object.keys(input).length === 0) return setResult({ kind: 'unchanged' });
    setSaving(true);
    try {
      const saved = await onSave(service.id, input);
      setName(saved.name);
      setKeywords(saved.keywords.join(', '));
      setActive(saved.active);
      setResult({ kind: 'saved', message: `Serviço “${saved.name}” salvo.` });
    } catch (caught) {
      setResult({ kind: 'error', error: toAppError(caught) });
    } finally {
      setSaving(false);
    }
  };

  const hosts = service.hosts.map((h) => h.name).filter(Boolean);
  return (
    <li className="services__item" data-service={service.calEventTypeId}>
      <form className="form" onSubmit={submit} noValidate aria-label={`Serviço ${service.name}`}>
        <p className="services__meta">
          <strong>{service.name}</strong> · {service.durationMinutes} min
          {service.isDefault ? <> <span className="badge badge--confirmed">Padrão</span></> : null}
          {!service.active ? <> <span className="badge badge--neutral">Inativo</span></> : null}
          {!service.inCalcom ? <> <span className="badge badge--cancelled">Removido do Cal.com</span></> : null}
          <br />
          <span className="muted">
            Cal.com: “{service.calTitle}” (tipo de evento {service.calEventTypeId}
            {service.teamId !== null ? `, equipe ${service.teamId}` : ''}){hosts.length ? ` · ${hosts.length > 1 ? 'Profissionais' : 'Profissional'}: ${hosts.join(', ')}` : ''}
          </span>
        </p>
        <div className="form__grid">
          <Field label="Nome exibido" error={errors.name} required>
            {(control) => <input {...control} name="serviceName" className="input" value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />}
          </Field>
          <Field label="Palavras-chave" hint="Separadas por vírgula, ex.: profilaxia, tártaro." error={errors.keywords}>
            {(control) => <input {...control} name="serviceKeywords" className="input" value={keywords} onChange={(event) => setKeywords(event.target.value)} />}
          </Field>
        </div>
        <div className="form__actions">
          <label className="checkbox">
            <input type="checkbox" name="serviceActive" checked={active} disabled={!service.inCalcom && !service.active} onChange={(event) => setActive(event.target.checked)} /> Ativo
            (oferecido aos clientes)
          </label>
          <button type="submit" className="button button--primary button--small" disabled={saving}>
            {saving ? 'Salvando…' : 'Salvar serviço'}
          </button>
        </div>
        <SaveResult state={result} onDismiss={() => setResult({ kind: 'idle' })} />
      </form>
    </li>
  );
}
