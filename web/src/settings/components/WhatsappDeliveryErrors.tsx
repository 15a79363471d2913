import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { formatPhone } from '../../shared/format/phone';
import { formatDateTime } from '../../shared/time/zoned-time';
import { useWhatsappDeliveryErrors } from '../hooks/useWhatsappDeliveryErrors';
import { providerLabel } from '../model/whatsapp-providers';


/** A contact's address as the admin knows it: a phone, or "WhatsApp (sem número)" for a LID. */
function contactLabel(address: string): string {
  return address.endsWith('@lid') ? 'WhatsApp (sem número)' : formatPhone(address);
}

/** The latest replies that could not be sent or delivered, with our reason (never the provider's raw text). */
export function WhatsappDeliveryErrors({ active, zone }: { active: boolean; zone: string }) {
  const { errors, loading, error, refetch } = useWhatsappDeliveryErrors(active);
  return (
    <>
      <h3 className="panel__subtitle">Últimos erros de entrega</h3>
      <ErrorAlert error={error} onRetry={() => refetch().catch(() => {})} settingsLink={false} />
      {!loading && !error && errors.length === 0 ? <p className="muted">Nenhum erro de entrega recente.</p> : null}
      {errors.length > 0 ? (
        <table className="diagnostics" aria-label="Últimos erros de entrega">
          <thead>
            <tr>
              <th scope="col">Quando</th>
              <th scope="col">Contato</th>
              <th scope="col">Provedor</th>
              <th scope="col">Motivo</th>
            </tr>
          </thead>
          <tbody>
            {errors.map((e) => (
              <tr key={e.id} data-outcome="rejected">
                <td data-label="Quando">{formatDateTime(e.at, zone)}</td>
                <td data-label="Contato">{contactLabel(e.phone)}</td>
                <td data-label="Provedor">{e.provider ? providerLabel(e.provider) : '—'}</td>
                <td data-label="Motivo">{e.error}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
