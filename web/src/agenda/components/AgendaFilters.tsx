import { useId } from 'react';
import { Icon } from '../../shared/components/Icon';
import { todayIn } from '../../shared/time/zoned-time';
import { APPOINTMENT_STATUSES, type AppointmentStatus } from '../model/appointment';
import { shiftSelection, type RangeMode, type RangeSelection } from '../model/date-range';
import { STATUS_LABELS } from '../model/labels';

export interface ServiceChoice {
  id: string;
  name: string;
}

/** A host to filter by: its key (`Appointment.hostKey`) and what the admin reads. */
export interface HostChoice {
  key: string;
  label: string;
}

interface Props {
  zone: string;
  selection: RangeSelection;
  onSelectionChange: (selection: RangeSelection) => void;
  search: string;
  onSearchChange: (search: string) => void;
  status: AppointmentStatus | '';
  onStatusChange: (status: AppointmentStatus | '') => void;
  /** The company's services; the filter shows only when there are several. */
  services: ServiceChoice[];
  serviceId: string;
  onServiceChange: (serviceId: string) => void;
  /** The hosts of the company's services; the filter shows only when there are several. */
  hosts: HostChoice[];
  hostKey: string;
  onHostChange: (hostKey: string) => void;
  problem: string | null;
}

const MODES: { mode: RangeMode; label: string }[] = [
  { mode: 'day', label: 'Dia' },
  { mode: 'week', label: 'Semana' },
  { mode: 'custom', label: 'Período personalizado' },
];

const PREVIOUS: Record<RangeMode, string> = { day: 'Dia anterior', week: 'Semana anterior', custom: 'Período anterior' };
const NEXT: Record<RangeMode, string> = { day: 'Próximo dia', week: 'Próxima semana', custom: 'Próximo período' };

export function AgendaFilters({ zone, selection, onSelectionChange, search, onSearchChange, status, onStatusChange, services, serviceId, onServiceChange, hosts, hostKey, onHostChange, problem }: Props) {
  const ids = { day: useId(), from: useId(), to: useId(), search: useId(), status: useId(), service: useId(), host: useId(), problem: useId() };

  return (
    <section className="filters" aria-label="Filtros da agenda">
      <div className="filters__row">
        <div className="segmented" role="group" aria-label="Intervalo de datas">
          {MODES.map(({ mode, label }) => (
            <button
              key={mode}
              type="button"
              className="segmented__option"
              aria-pressed={selection.mode === mode}
              onClick={() => onSelectionChange({ ...selection, mode })}
            >
              {label}
            </button>
          ))}
        </div>
        <div className="filters__nav">
          <button
            type="button"
            className="button button--icon button--secondary"
            onClick={() => onSelectionChange(shiftSelection(selection, -1))}
            aria-label={PREVIOUS[selection.mode]}
            disabled={Boolean(problem)}
          >
            <Icon name="chevron-left" />
          </button>
          <button
            type="button"
            className="button button--secondary"
            onClick={() => {
              const today = todayIn(zone);
              onSelectionChange(
                selection.mode === 'custom' ? { ...selection, customFrom: today, customTo: today, day: today } : { ...selection, day: today },
              );
            }}
          >
            Hoje
          </button>
          <button
            type="button"
            className="button button--icon button--secondary"
            onClick={() => onSelectionChange(shiftSelection(selection, 1))}
            aria-label={NEXT[selection.mode]}
            disabled={Boolean(problem)}
          >
            <Icon name="chevron-right" />
          </button>
        </div>
      </div>
      <div className="filters__row filters__row--fields">
        {selection.mode === 'custom' ? (
          <>
            <div className="field field--inline">
              <label htmlFor={ids.from} className="field__label">
                De
              </label>
              <input
                id={ids.from}
                className="input"
                type="date"
                value={selection.customFrom}
                aria-invalid={problem ? true : undefined}
                aria-describedby={problem ? ids.problem : undefined}
                onChange={(event) => event.target.value && onSelectionChange({ ...selection, customFrom: event.target.value })}
              />
            </div>
            <div className="field field--inline">
              <label htmlFor={ids.to} className="field__label">
                Até
              </label>
              <input
                id={ids.to}
                className="input"
                type="date"
                value={selection.customTo}
                aria-invalid={problem ? true : undefined}
                aria-describedby={problem ? ids.problem : undefined}
                onChange={(event) => event.target.value && onSelectionChange({ ...selection, customTo: event.target.value })}
              />
            </div>
          </>
        ) : (
          <div className="field field--inline">
            <label htmlFor={ids.day} className="field__label">
              {selection.mode === 'day' ? 'Data' : 'Semana do dia'}
            </label>
            <input
              id={ids.day}
              className="input"
              type="date"
              value={selection.day}
              onChange={(event) => event.target.value && onSelectionChange({ ...selection, day: event.target.value })}
            />
          </div>
        )}
        <div className="field field--inline field--grow">
          <label htmlFor={ids.search} className="field__label">
            Buscar cliente
          </label>
          <div className="input-icon">
            <Icon name="search" />
            <input
              id={ids.search}
              className="input"
              type="search"
              placeholder="Nome ou telefone"
              value={search}
              autoComplete="off"
              onChange={(event) => onSearchChange(event.target.value)}
            />
          </div>
        </div>
        <div className="field field--inline">
          <label htmlFor={ids.status} className="field__label">
            Status
          </label>
          <select id={ids.status} className="input" value={status} onChange={(event) => onStatusChange(event.target.value as AppointmentStatus | '')}>
            <option value="">Todos</option>
            {APPOINTMENT_STATUSES.map((value) => (
              <option key={value} value={value}>
                {STATUS_LABELS[value].label}
              </option>
            ))}
          </select>
        </div>
        {services.length > 1 ? (
          <div className="field field--inline">
            <label htmlFor={ids.service} className="field__label">
              Serviço
            </label>
            <select id={ids.service} className="input" value={serviceId} onChange={(event) => onServiceChange(event.target.value)}>
              <option value="">Todos</option>
              {services.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {hosts.length > 1 ? (
          <div className="field field--inline">
            <label htmlFor={ids.host} className="field__label">
              Profissional
            </label>
            <select id={ids.host} className="input" value={hostKey} onChange={(event) => onHostChange(event.target.value)}>
              <option value="">Todos</option>
              {hosts.map((h) => (
                <option key={h.key} value={h.key}>
                  {h.label}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </div>
      {problem ? (
        <p id={ids.problem} className="field__error" role="alert">
          {problem}
        </p>
      ) : null}
    </section>
  );
}
