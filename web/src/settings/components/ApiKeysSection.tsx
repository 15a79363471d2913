import { useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../../shared/components/ConfirmDialog';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Field } from '../../shared/components/Field';
import { Spinner } from '../../shared/components/Spinner';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import { formatDateTime } from '../../shared/time/zoned-time';
import type { ApiKey, ApiKeyScope } from '../graphql/api-keys.query';
import { useApiKeys } from '../hooks/useApiKeys';
import { SecretOnce } from './SecretOnce';

const SCOPES: Record<ApiKeyScope, string> = { READ: 'Somente leitura', WRITE: 'Leitura e escrita' };

/** Configurações → "Chaves de API": create (the key is shown once), list, revoke with confirmation. */
export function ApiKeysSection({ zone }: { zone: string }) {
  const { keys, loading, error, refetch, create, creating, revoke, revoking } = useApiKeys();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKeyScope>('READ');
  const [nameError, setNameError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<AppError | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [revokingKey, setRevokingKey] = useState<ApiKey | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setActionError(null);
    setNotice(null);
    const trimmed = name.trim();
    if (!trimmed) return setNameError('Dê um nome à chave (ex.: ERP, planilha, site).');
    if (trimmed.length > 100) return setNameError('O nome pode ter no máximo 100 caracteres.');
    setNameError(null);
    try {
      setCreated(await create(trimmed, scope));
      setName('');
    } catch (caught) {
      setActionError(toAppError(caught));
    }
  };

  const confirmRevoke = async () => {
    const key = revokingKey;
    setRevokingKey(null);
    if (!key) return;
    setActionError(null);
    try {
      await revoke(key.id);
      setNotice(`Chave "${key.name || key.prefix}" revogada. Quem a usava perde o acesso em instantes.`);
    } catch (caught) {
      setActionError(toAppError(caught));
    }
  };

  return (
    <section className="panel" aria-labelledby="secao-chaves">
      <h2 id="secao-chaves" className="panel__title">
        Chaves de API
      </h2>
      <p className="muted">Para integrar outros sistemas à API GraphQL. Cada chave vale só para esta empresa; revogue as que não usa mais.</p>

      <form className="form" onSubmit={submit} noValidate aria-label="Nova chave de API">
        <div className="form__grid">
          <Field label="Nome da chave" error={nameError} required>
            {(control) => <input {...control} name="apiKeyName" className="input" value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />}
          </Field>
          <Field label="Permissão">
            {(control) => (
              <select {...control} name="apiKeyScope" className="input" value={scope} onChange={(event) => setScope(event.target.value as ApiKeyScope)}>
                <option value="READ">{SCOPES.READ}</option>
                <option value="WRITE">{SCOPES.WRITE}</option>
              </select>
            )}
          </Field>
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={creating}>
            {creating ? 'Criando…' : 'Criar chave'}
          </button>
        </div>
      </form>

      {created ? (
        <SecretOnce
          label="Nova chave de API"
          value={created}
          instructions='Use-a no cabeçalho "Authorization: Bearer <chave>". Guarde-a num lugar seguro.'
          onDone={() => setCreated(null)}
        />
      ) : null}
      <ErrorAlert error={actionError} onDismiss={() => setActionError(null)} settingsLink={false} />
      {notice ? (
        <p className="muted" role="status">
          {notice}
        </p>
      ) : null}

      {loading ? <Spinner label="Carregando chaves…" /> : null}
      <ErrorAlert error={error} onRetry={() => refetch().catch(() => {})} settingsLink={false} />
      {!loading && !error && keys.length === 0 ? <p className="muted">Nenhuma chave ativa.</p> : null}
      {keys.length > 0 ? (
        <table className="diagnostics" aria-label="Chaves de API ativas">
          <thead role="rowgroup">
            <tr role="row">
              <th role="columnheader" scope="col">Nome</th>
              <th role="columnheader" scope="col">Permissão</th>
              <th role="columnheader" scope="col">Criada em</th>
              <th role="columnheader" scope="col">Último uso</th>
              <th role="columnheader" scope="col">
                <span className="visually-hidden">Ações</span>
              </th>
            </tr>
          </thead>
          <tbody role="rowgroup">
            {keys.map((key) => (
              <tr role="row" key={key.id} data-api-key={key.id}>
                <td role="cell" data-label="Nome">
                  <div className="cell">
                    {key.name || <span className="muted">sem nome</span>} <span className="mono muted">{key.prefix}…</span>
                  </div>
                </td>
                <td role="cell" data-label="Permissão">
                  <div className="cell">{SCOPES[key.scope]}</div>
                </td>
                <td role="cell" data-label="Criada em">
                  <div className="cell">{formatDateTime(key.createdAt, zone)}</div>
                </td>
                <td role="cell" data-label="Último uso">
                  <div className="cell">{key.lastUsedAt ? formatDateTime(key.lastUsedAt, zone) : <span className="muted">nunca usada</span>}</div>
                </td>
                <td role="cell" data-label="Ações">
                  <div className="cell">
                    <button type="button" className="button button--danger button--small" disabled={revoking} onClick={() => setRevokingKey(key)}>
                      Revogar
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      <ConfirmDialog
        open={revokingKey !== null}
        title="Revogar chave de API?"
        message={`A chave "${revokingKey?.name || revokingKey?.prefix || ''}" deixará de funcionar em todos os sistemas que a usam, em instantes. Isso não pode ser desfeito.`}
        confirmLabel="Revogar chave"
        danger
        onConfirm={() => void confirmRevoke()}
        onClose={() => setRevokingKey(null)}
      />
    </section>
  );
}
