import { useId } from 'react';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Icon } from '../../shared/components/Icon';
import { Spinner } from '../../shared/components/Spinner';
import type { AppError } from '../../shared/errors/app-error';
import { formatTime } from '../../shared/time/zoned-time';
import type { Slot } from '../graphql/availability.query';

interface Props {
  slots: Slot[];
  zone: string;
  value: string | null;
  onChange: (start: string) => void;
  loading: boolean;
  error: AppError | null;
  past: boolean;
  onReload: () => void;
  fieldError?: string | null;
  dayLabel: string;
}

/** Free slots of the chosen day as a radio group (arrow keys move between them). */
export function SlotPicker({ slots, zone, value, onChange, loading, error, past, onReload, fieldError, dayLabel }: Props) {
  const name = useId();
  const errorId = useId();
  return (
    <fieldset className={`slots${fieldError ? ' field--invalid' : ''}`} aria-describedby={fieldError ? errorId : undefined} aria-busy={loading}>
      <legend className="field__label">
        Horário livre <span className="muted">({dayLabel})</span>
        <span className="field__required" aria-hidden="true">
          {' '}
          *
        </span>
      </legend>
      {past ? <p className="muted">Esta data já passou. Escolha hoje ou uma data futura.</p> : null}
      {loading ? <Spinner label="Buscando horários livres…" /> : null}
      <ErrorAlert error={error} onRetry={onReload} retryLabel={error?.code === 'CALCOM_UNAVAILABLE' ? 'Tentar novamente' : undefined} />
      {!past && !loading && !error && slots.length === 0 ? (
        <p className="muted">Nenhum horário livre neste dia. Escolha outra data.</p>
      ) : null}
      {!loading && slots.length > 0 ? (
        <div className="slots__grid">
          {slots.map((slot) => (
            <label key={slot.start} className="slot">
              <input type="radio" name={name} value={slot.start} checked={value === slot.start} onChange={() => onChange(slot.start)} />
              <span>{formatTime(slot.start, zone)}</span>
            </label>
          ))}
        </div>
      ) : null}
      {!past && !loading && !error ? (
        <button type="button" className="button button--small button--ghost slots__reload" onClick={onReload}>
          <Icon name="refresh" /> Recarregar horários
        </button>
      ) : null}
      {fieldError ? (
        <p id={errorId} className="field__error">
          {fieldError}
        </p>
      ) : null}
    </fieldset>
  );
}
