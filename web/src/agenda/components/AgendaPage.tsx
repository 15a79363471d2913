import { useCallback, useMemo, useRef, useState } from 'react';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Icon } from '../../shared/components/Icon';
import { useAnnounce } from '../../shared/components/LiveAnnouncer';
import { Spinner } from '../../shared/components/Spinner';
import { useDebouncedValue } from '../../shared/hooks/useDebouncedValue';
import { useNow } from '../../shared/hooks/useNow';
import { formatShortDate, formatTime, offsetLabel, todayIn, type DayKey } from '../../shared/time/zoned-time';
import { useCompany } from '../../settings/hooks/useCompany';
import { useServices } from '../../services/hooks/useServices';
import { useAppointmentChanges } from '../hooks/useAppointmentChanges';
import { useAppointments } from '../hooks/useAppointments';
import { useHighlights } from '../hooks/useHighlights';
import type { Appointment, AppointmentChange, AppointmentStatus, ListFilter } from '../model/appointment';
import { matchesFilter } from '../model/apply-change';
import { attendanceInSentence } from '../model/attendance';
import { hostChoices } from '../model/hosts';
import { resolveRange, type RangeSelection } from '../model/date-range';
import { AgendaFilters } from './AgendaFilters';
import { AppointmentList } from './AppointmentList';
import { CancelAppointmentDialog } from './CancelAppointmentDialog';
import { ManualBookingForm } from './ManualBookingForm';

const FORM_ID = 'criar-agendamento';

export function AgendaPage({ active }: { active: boolean }) {
  const { company, error, refetch } = useCompany();
  return (
    <section className="page" aria-labelledby="titulo-agenda">
      <div className="page__header">
        <div>
          <h1 id="titulo-agenda" className="page__title" tabIndex={-1}>
            Agenda
          </h1>
          {company ? (
            <p className="page__subtitle">
              Horários no fuso da empresa: {company.timezone} ({offsetLabel(company.timezone)})
            </p>
          ) : null}
        </div>
      </div>
      <ErrorAlert error={error} onRetry={() => refetch().catch(() => {})} />
      {company ? <Agenda zone={company.timezone} active={active} /> : !error ? <Spinner /> : null}
    </section>
  );
}

function Agenda({ zone, active }: { zone: string; active: boolean }) {
  const announce = useAnnounce();
  // Opens on the current week: a single day is often empty, the week shows what is coming.
  const [selection, setSelection] = useState<RangeSelection>(() => {
    const today = todayIn(zone);
    return { mode: 'week', day: today, customFrom: today, customTo: today };
  });
  const now = useNow();
  const [searchInput, setSearchInput] = useState('');
  const [status, setStatus] = useState<AppointmentStatus | ''>('');
  const [serviceId, setServiceId] = useState('');
  const { services } = useServices();
  const serviceNames = useMemo(() => new Map(services.map((s) => [s.id, s.name])), [services]);
  const [hostKey, setHostKey] = useState('');
  const hosts = useMemo(() => hostChoices(services), [services]);
  const bookable = useMemo(() => services.filter((s) => s.active && s.inCalcom), [services]);
  const [formOpen, setFormOpen] = useState(false);
  const [cancelling, setCancelling] = useState<Appointment | null>(null);
  const [expandedHistory, setExpandedHistory] = useState<string | null>(null);
  const { highlights, flash } = useHighlights();
  const search = useDebouncedValue(searchInput.trim(), 300);
  const createButton = useRef<HTMLButtonElement>(null);
  // Our own bookings/cancellations come back through the subscription too: announce them once.
  const ownChanges = useRef(new Set<string>());
  const markOwn = (id: string, kind: string) => {
    const key = `${id}:${kind}`;
    ownChanges.current.add(key);
    setTimeout(() => ownChanges.current.delete(key), 10_000);
  };

  const range = useMemo(() => resolveRange(selection, zone), [selection, zone]);
  const filter = useMemo<ListFilter | null>(
    () =>
      range.ok
        ? { from: range.from.toISOString(), to: range.to.toISOString(), search: search || null, status: status ? [status] : null, serviceIds: serviceId ? [serviceId] : null, hostKeys: hostKey ? [hostKey] : null }
        : null,
    [range, search, status, serviceId, hostKey],
  );
  const list = useAppointments(filter);
  const { place } = list;

  const onChange = useCallback(
    (change: AppointmentChange) => {
      place(change.appointment);
      flash(change.appointment.id, change.kind);
      if (!ownChanges.current.delete(`${change.appointment.id}:${change.kind}`)) announce(describeChange(change, zone));
    },
    [place, flash, announce, zone],
  );
  useAppointmentChanges(onChange);

  const closeForm = () => {
    setFormOpen(false);
    requestAnimationFrame(() => createButton.current?.focus());
  };

  const showDay = (day: DayKey) => setSelection((current) => ({ ...current, mode: 'day', day }));

  return (
    <>
      <div className="toolbar">
        <button
          ref={createButton}
          type="button"
          className="button button--primary"
          aria-expanded={formOpen}
          aria-controls={formOpen ? FORM_ID : undefined}
          onClick={() => (formOpen ? closeForm() : setFormOpen(true))}
        >
          <Icon name="plus" /> Criar manualmente
        </button>
        <button type="button" className="button button--secondary" onClick={() => list.refresh().catch(() => {})} disabled={list.loading}>
          <Icon name="refresh" /> Atualizar
        </button>
      </div>

      {formOpen ? (
        <ManualBookingForm
          id={FORM_ID}
          zone={zone}
          services={bookable}
          onClose={closeForm}
          onBooked={(appointment) => {
            markOwn(appointment.id, 'CREATED');
            place(appointment);
            flash(appointment.id, 'CREATED');
          }}
          isVisible={(appointment) => (filter ? matchesFilter(appointment, filter) : false)}
          onShowDay={showDay}
        />
      ) : null}

      <AgendaFilters
        zone={zone}
        selection={selection}
        onSelectionChange={setSelection}
        search={searchInput}
        onSearchChange={setSearchInput}
        status={status}
        onStatusChange={setStatus}
        services={services}
        serviceId={serviceId}
        onServiceChange={setServiceId}
        hosts={hosts}
        hostKey={hostKey}
        onHostChange={setHostKey}
        problem={range.ok ? null : range.problem}
      />

      {range.ok ? (
        <div className="summary">
          <h2 className="summary__range">{range.label}</h2>
          <p className="summary__count" aria-live="polite" data-testid="agenda-count">
            {list.loading ? 'Carregando…' : countLabel(list.totalCount)}
            {list.refreshing ? <span className="muted"> · atualizando…</span> : null}
          </p>
        </div>
      ) : null}

      <ErrorAlert error={list.error} onRetry={() => list.refresh().catch(() => {})} />

      {list.loading ? <Spinner label="Carregando agendamentos…" /> : null}

      {!list.loading && range.ok && list.appointments.length === 0 && !list.error ? (
        <div className="empty">
          <Icon name="calendar" size={28} />
          <p>{search || status || serviceId || hostKey ? 'Nenhum agendamento encontrado com esses filtros.' : 'Nenhum agendamento neste período.'}</p>
        </div>
      ) : null}

      {list.appointments.length > 0 && range.ok ? (
        <AppointmentList
          appointments={list.appointments}
          zone={zone}
          serviceNames={services.length > 1 ? serviceNames : undefined}
          multiDay={range.multiDay}
          highlights={highlights}
          expandedHistory={expandedHistory}
          onToggleHistory={(id) => setExpandedHistory((current) => (current === id ? null : id))}
          onCancel={(appointment) => setCancelling(appointment)}
          now={now}
          onAttendanceMarked={(appointment) => {
            markOwn(appointment.id, 'UPDATED');
            place(appointment);
            announce(
              appointment.attendance === 'UNKNOWN'
                ? `Comparecimento de ${appointment.clientName} desmarcado.`
                : `${appointment.clientName}: ${attendanceInSentence(appointment.attendance)}.`,
            );
          }}
        />
      ) : null}

      {list.hasNextPage ? (
        <div className="load-more">
          <p className="muted">
            Mostrando {list.appointments.length} de {list.totalCount}
          </p>
          <button type="button" className="button button--secondary" onClick={() => list.loadMore().catch(() => {})} disabled={list.loadingMore}>
            {list.loadingMore ? 'Carregando…' : 'Carregar mais'}
          </button>
        </div>
      ) : null}

      <CancelAppointmentDialog
        appointment={active ? cancelling : null}
        zone={zone}
        onClose={() => setCancelling(null)}
        onCancelled={(appointment) => {
          markOwn(appointment.id, 'CANCELLED');
          setCancelling(null);
          place(appointment);
          flash(appointment.id, 'CANCELLED');
          announce(`Agendamento de ${appointment.clientName} cancelado.`);
        }}
      />
    </>
  );
}

function countLabel(total: number): string {
  if (total === 0) return 'Nenhum agendamento';
  return total === 1 ? '1 agendamento' : `${total} agendamentos`;
}

function describeChange({ kind, appointment }: AppointmentChange, zone: string): string {
  const when = `${formatShortDate(appointment.startAt, zone)} às ${formatTime(appointment.startAt, zone)}`;
  switch (kind) {
    case 'CREATED':
      return `Novo agendamento: ${appointment.clientName}, ${when}.`;
    case 'CANCELLED':
      return `Agendamento cancelado: ${appointment.clientName}, ${when}.`;
    case 'RESCHEDULED':
      return `Agendamento reagendado: ${appointment.clientName}, agora ${when}.`;
    default:
      return `Agendamento atualizado: ${appointment.clientName}, ${when}.`;
  }
}
