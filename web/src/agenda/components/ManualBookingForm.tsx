import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert } from '../../shared/components/Alert';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Field } from '../../shared/components/Field';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import { phoneProblem } from '../../shared/format/phone';
import { EMAIL_PATTERN } from '../../shared/format/text';
import { dayKeyOf, formatDayShort, formatLongDay, formatTime, todayIn, type DayKey } from '../../shared/time/zoned-time';
import { useAvailability } from '../hooks/useAvailability';
import { useBookAppointment } from '../hooks/useBookAppointment';
import type { Service } from '../../services/graphql/services.query';
import type { Appointment } from '../model/appointment';
import { SlotPicker } from './SlotPicker';

type FieldName = 'clientName' | 'clientPhone' | 'clientEmail' | 'start' | 'notes';
type FieldErrors = Partial<Record<FieldName, string>>;

interface Props {
  id: string;
  zone: string;
  onBooked: (appointment: Appointment) => void;
  onClose: () => void;
  /** Whether a booked appointment is inside the list's current range (else offer to show it). */
  isVisible: (appointment: Appointment) => boolean;
  onShowDay: (day: DayKey) => void;
  /** Bookable services; with several, the form asks for one first (slots and length follow it). */
  services: Service[];
}

const ORDER: FieldName[] = ['clientName', 'clientPhone', 'clientEmail', 'start', 'notes'];

export function ManualBookingForm({ id, zone, onBooked, onClose, isVisible, onShowDay, services }: Props) {
  const choosing = services.length > 1;
  const [picked, setPicked] = useState<string | null>(null);
  // The pick, while still offered; else the default (or the only) service. The services may arrive after
  // the form opened, or the picked one be deactivated meanwhile.
  const serviceId = chosenServiceId(services, picked);
  const [clientName, setClientName] = useState('');
  const [clientPhone, setClientPhone] = useState('');
  const [clientEmail, setClientEmail] = useState('');
  const [notes, setNotes] = useState('');
  const [day, setDay] = useState<DayKey>(() => todayIn(zone));
  const [start, setStart] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<AppError | null>(null);
  const [booked, setBooked] = useState<Appointment | null>(null);
  // Sent even with one service: when it is not the default, the server's default would be the wrong (inactive) one.
  // With none imported yet, null: the company's event type, as before services existed.
  const availability = useAvailability(day, zone, serviceId);
  const { book, booking } = useBookAppointment();
  const refs = {
    clientName: useRef<HTMLInputElement>(null),
    clientPhone: useRef<HTMLInputElement>(null),
    clientEmail: useRef<HTMLInputElement>(null),
    start: useRef<HTMLDivElement>(null),
    notes: useRef<HTMLTextAreaElement>(null),
  };

  const nameInput = refs.clientName;
  useEffect(() => nameInput.current?.focus(), [nameInput]); // when the form opens

  // The chosen slot belongs to the day (and the service) it was picked for.
  useEffect(() => setStart(null), [day, serviceId]);

  const focusFirst = (problems: FieldErrors) => {
    const first = ORDER.find((name) => problems[name]);
    if (!first) return;
    if (first === 'start') refs.start.current?.querySelector<HTMLInputElement>('input')?.focus() ?? refs.start.current?.focus();
    else refs[first].current?.focus();
  };

  const validate = (): FieldErrors => {
    const problems: FieldErrors = {};
    const name = clientName.trim();
    if (!name) problems.clientName = 'Informe o nome do cliente.';
    else if (name.length > 200) problems.clientName = 'O nome pode ter no máximo 200 caracteres.';
    const phone = phoneProblem(clientPhone);
    if (phone) problems.clientPhone = phone;
    const email = clientEmail.trim();
    if (email && !EMAIL_PATTERN.test(email)) problems.clientEmail = 'E-mail inválido.';
    if (!clientPhone.trim() && !email && !problems.clientEmail) problems.clientPhone = 'Informe o telefone ou o e-mail do cliente.';
    if (!start) problems.start = 'Escolha um horário livre.';
    if (notes.length > 2000) problems.notes = 'As observações podem ter no máximo 2000 caracteres.';
    return problems;
  };

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setFormError(null);
    setBooked(null);
    const problems = validate();
    setErrors(problems);
    if (Object.keys(problems).length > 0) return focusFirst(problems);
    try {
      const appointment = await book({
        start: start!,
        clientName: clientName.trim(),
        clientPhone: clientPhone.trim() || null,
        clientEmail: clientEmail.trim() || null,
        notes: notes.trim() || null,
        ...(serviceId ? { serviceId } : {}),
      });
      onBooked(appointment);
      setBooked(appointment);
      setClientName('');
      setClientPhone('');
      setClientEmail('');
      setNotes('');
      setStart(null);
      availability.reload();
    } catch (caught) {
      const error = toAppError(caught);
      if (error.code === 'BAD_USER_INPUT' && Object.keys(error.fields).length > 0) {
        const serverProblems = pickFields(error.fields);
        setErrors(serverProblems);
        focusFirst(serverProblems);
        if (Object.keys(serverProblems).length === 0) setFormError(error);
        return;
      }
      if (error.code === 'CONFLICT') {
        // Someone else just took the slot: show fresh slots without it.
        setStart(null);
        availability.reload();
      }
      setFormError(error);
    }
  };

  return (
    <section id={id} className="panel booking" aria-labelledby={`${id}-titulo`}>
      <div className="panel__header">
        <h2 id={`${id}-titulo`} className="panel__title">
          Criar agendamento manualmente
        </h2>
        <button type="button" className="button button--ghost button--small" onClick={onClose}>
          Fechar
        </button>
      </div>
      {booked ? (
        <Alert
          tone="success"
          title="Agendamento criado"
          onDismiss={() => setBooked(null)}
          actions={
            !isVisible(booked) ? (
              <button type="button" className="button button--small button--secondary" onClick={() => onShowDay(dayKeyOf(new Date(booked.startAt), zone))}>
                Ver na agenda
              </button>
            ) : null
          }
        >
          {booked.clientName}, {formatDayShort(dayKeyOf(new Date(booked.startAt), zone), true)} às {formatTime(booked.startAt, zone)}.
        </Alert>
      ) : null}
      <form className="form booking__form" onSubmit={submit} noValidate>
        {choosing ? (
          <Field label="Serviço" hint="Os horários livres e a duração seguem o serviço escolhido." required>
            {(control) => (
              <select {...control} name="serviceId" className="input" value={serviceId ?? ''} onChange={(event) => setPicked(event.target.value)}>
                {services.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.durationMinutes} min)
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        <div className="form__grid">
          <Field label="Nome do cliente" error={errors.clientName} required>
            {(control) => (
              <input
                {...control}
                ref={refs.clientName}
                className="input"
                autoComplete="off"
                value={clientName}
                maxLength={200}
                onChange={(event) => setClientName(event.target.value)}
              />
            )}
          </Field>
          <Field label="Telefone (WhatsApp)" hint="Com DDD, ex.: +55 11 99999-9999." error={errors.clientPhone}>
            {(control) => (
              <input
                {...control}
                ref={refs.clientPhone}
                className="input"
                type="tel"
                inputMode="tel"
                autoComplete="off"
                value={clientPhone}
                onChange={(event) => setClientPhone(event.target.value)}
              />
            )}
          </Field>
          <Field label="E-mail" hint="Telefone ou e-mail: ao menos um." error={errors.clientEmail}>
            {(control) => (
              <input
                {...control}
                ref={refs.clientEmail}
                className="input"
                type="email"
                inputMode="email"
                autoComplete="off"
                value={clientEmail}
                onChange={(event) => setClientEmail(event.target.value)}
              />
            )}
          </Field>
          <Field label="Dia" hint={`Horários no fuso da empresa (${zone}).`} required>
            {(control) => (
              <input
                {...control}
                className="input"
                type="date"
                min={todayIn(zone)}
                value={day}
                onChange={(event) => event.target.value && setDay(event.target.value)}
              />
            )}
          </Field>
        </div>
        <div ref={refs.start} tabIndex={-1} className="booking__slots">
          <SlotPicker
            slots={availability.slots}
            zone={zone}
            value={start}
            onChange={(value) => {
              setStart(value);
              setErrors(({ start: _cleared, ...rest }) => rest);
            }}
            loading={availability.loading}
            error={availability.error}
            past={availability.past}
            onReload={availability.reload}
            fieldError={errors.start}
            dayLabel={formatLongDay(day)}
          />
        </div>
        <Field label="Observações" error={errors.notes}>
          {(control) => (
            <textarea
              {...control}
              ref={refs.notes}
              className="input textarea"
              rows={2}
              maxLength={2000}
              value={notes}
              onChange={(event) => setNotes(event.target.value)}
            />
          )}
        </Field>
        <ErrorAlert
          error={formError}
          onRetry={formError?.code === 'CONFLICT' ? availability.reload : () => void submit()}
          onDismiss={() => setFormError(null)}
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={booking}>
            {booking ? 'Agendando…' : 'Agendar'}
          </button>
        </div>
      </form>
    </section>
  );
}

/** The service to book: the pick while it is still offered, else the default, else the first; null with none. */
function chosenServiceId(services: readonly Pick<Service, 'id' | 'isDefault'>[], picked: string | null): string | null {
  if (picked !== null && services.some((s) => s.id === picked)) return picked;
  return (services.find((s) => s.isDefault) ?? services[0])?.id ?? null;
}

function pickFields(fields: Record<string, string>): FieldErrors {
  const result: FieldErrors = {};
  for (const name of ORDER) if (fields[name]) result[name] = fields[name];
  return result;
}
