import { useState, type FormEvent } from 'react';
import { Dialog } from '../../shared/components/Dialog';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Field } from '../../shared/components/Field';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import { formatShortDate, formatTime } from '../../shared/time/zoned-time';
import { useCancelAppointment } from '../hooks/useCancelAppointment';
import type { Appointment } from '../model/appointment';

interface Props {
  appointment: Appointment | null;
  zone: string;
  onClose: () => void;
  onCancelled: (appointment: Appointment) => void;
}

const MAX_REASON = 500;

export function CancelAppointmentDialog({ appointment, zone, onClose, onCancelled }: Props) {
  return (
    <Dialog open={appointment !== null} title="Cancelar agendamento" onClose={onClose}>
      {appointment ? <CancelForm key={appointment.id} appointment={appointment} zone={zone} onClose={onClose} onCancelled={onCancelled} /> : null}
    </Dialog>
  );
}

function CancelForm({ appointment, zone, onClose, onCancelled }: Props & { appointment: Appointment }) {
  const { cancel, cancelling } = useCancelAppointment();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<AppError | null>(null);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setError(null);
    try {
      const cancelled = await cancel(appointment.id, reason.trim() || null);
      onCancelled(cancelled);
    } catch (caught) {
      setError(toAppError(caught));
    }
  };

  return (
    <form onSubmit={submit} className="form">
      <p className="dialog__summary">
        <strong>{appointment.clientName}</strong>
        <br />
        {formatShortDate(appointment.startAt, zone)} às {formatTime(appointment.startAt, zone)}
      </p>
      {appointment.calBookingUid ? <p className="muted">A reserva também será cancelada no Cal.com.</p> : null}
      <Field label="Motivo (opcional)" hint={`Fica registrado no histórico. Até ${MAX_REASON} caracteres.`}>
        {(control) => (
          <textarea
            {...control}
            data-autofocus
            className="input textarea"
            rows={3}
            maxLength={MAX_REASON}
            value={reason}
            onChange={(event) => setReason(event.target.value)}
          />
        )}
      </Field>
      <ErrorAlert error={error} onRetry={() => void submit()} />
      <div className="dialog__footer">
        <button type="button" className="button button--secondary" onClick={onClose} disabled={cancelling}>
          Voltar
        </button>
        <button type="submit" className="button button--danger" disabled={cancelling}>
          {cancelling ? 'Cancelando…' : 'Cancelar agendamento'}
        </button>
      </div>
    </form>
  );
}
