import { useEffect, useLayoutEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { Alert } from '../../shared/components/Alert';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import { Field } from '../../shared/components/Field';
import { Icon } from '../../shared/components/Icon';
import { Spinner } from '../../shared/components/Spinner';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import { formatPhone, phoneProblem } from '../../shared/format/phone';
import { useDebouncedValue } from '../../shared/hooks/useDebouncedValue';
import { formatShortDate, formatTime } from '../../shared/time/zoned-time';
import { useCompany } from '../../settings/hooks/useCompany';
import type { ChatMessage } from '../model/chat-message';
import { useSendSimulatorMessage } from '../hooks/useSendSimulatorMessage';
import { useSimulatorTranscript } from '../hooks/useSimulatorTranscript';

const DEFAULT_TEST_PHONE = '+55 11 90000-0001';
const REPLY_TIMEOUT_MS = 30_000;
const SUGGESTIONS = ['Quero marcar uma reunião', 'Tem horário amanhã à tarde?', '1', 'Quero cancelar minha reunião'];

/** Inbound statuses after which no reply will come. */
const NO_REPLY_STATUSES = new Set(['IGNORED', 'FAILED']);

const STATUS_LABELS: Record<string, string> = {
  RECEIVED: 'recebida',
  PROCESSED: 'processada',
  IGNORED: 'sem resposta do bot',
  PENDING: 'pendente',
  SENT: 'enviada',
  FAILED: 'falhou',
  // Simulator replies are captured instead of being sent to WhatsApp.
  CAPTURED: 'simulada',
};

/** Digits with country code, as the server stores WhatsApp numbers (Brazil assumed without one). */
function toDigits(phone: string): string | null {
  if (phoneProblem(phone) || !phone.trim()) return null;
  const digits = phone.replace(/\D/g, '');
  return !phone.trim().startsWith('+') && digits.length <= 11 ? `55${digits}` : digits;
}

export function SimulatorPage({ active }: { active: boolean }) {
  const { company } = useCompany();
  const zone = company?.timezone ?? 'America/Sao_Paulo';
  const [phoneInput, setPhoneInput] = useState(DEFAULT_TEST_PHONE);
  const [name, setName] = useState('Contato de teste');
  const [text, setText] = useState('');
  const [sendError, setSendError] = useState<AppError | null>(null);
  const [awaiting, setAwaiting] = useState<{ id: string; after: string } | null>(null);
  const [timedOut, setTimedOut] = useState(false);
  const phone = toDigits(useDebouncedValue(phoneInput, 400));
  const phoneError = phoneInput.trim() ? phoneProblem(phoneInput) : 'Informe o telefone do contato de teste.';
  const transcript = useSimulatorTranscript(phone, active || awaiting !== null);
  const { send, sending } = useSendSimulatorMessage();
  const logRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  const messages = transcript.messages;
  // Waiting ends with a reply, or when the bot decided not to answer (greetings, off-topic: IGNORED).
  const settled = useMemo(
    () =>
      awaiting !== null &&
      messages.some(
        (m) =>
          (m.direction === 'OUT' && Date.parse(m.at) >= Date.parse(awaiting.after)) ||
          (m.id === awaiting.id && NO_REPLY_STATUSES.has(m.status)),
      ),
    [awaiting, messages],
  );

  useEffect(() => {
    if (settled) setAwaiting(null);
  }, [settled]);

  useEffect(() => {
    if (!awaiting) return;
    const timer = setTimeout(() => {
      setAwaiting(null);
      setTimedOut(true);
    }, REPLY_TIMEOUT_MS);
    return () => clearTimeout(timer);
  }, [awaiting]);

  // New messages scroll into view (only the transcript box scrolls, never the page).
  useLayoutEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [messages.length, awaiting]);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    const body = text.trim();
    if (!body || !phone || sending) return;
    setSendError(null);
    setTimedOut(false);
    try {
      const sent = await send(phone, body, name.trim() || null);
      setText('');
      setAwaiting({ id: sent.id, after: sent.at });
      inputRef.current?.focus();
    } catch (caught) {
      setSendError(toAppError(caught));
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    }
  };

  return (
    <section className="page" aria-labelledby="titulo-simulator">
      <div className="page__header">
        <div>
          <h1 id="titulo-simulator" className="page__title" tabIndex={-1}>
            Simulador WhatsApp
          </h1>
          <p className="page__subtitle">Converse com o bot como se fosse um cliente. As mensagens passam pelo mesmo fluxo do WhatsApp real.</p>
        </div>
      </div>
      <div className="simulator">
        <aside className="panel simulator__contact" aria-label="Contato de teste">
          <Field label="Telefone do contato" error={phoneError} hint="Use um número de teste: os agendamentos criados aqui são reais.">
            {(control) => (
              <input
                {...control}
                className="input"
                type="tel"
                inputMode="tel"
                value={phoneInput}
                onChange={(event) => setPhoneInput(event.target.value)}
              />
            )}
          </Field>
          <Field label="Nome do contato">
            {(control) => <input {...control} className="input" value={name} onChange={(event) => setName(event.target.value)} />}
          </Field>
        </aside>

        <div className="chat panel">
          <div className="chat__header">
            <span className="chat__avatar" aria-hidden="true">
              {(name.trim() || '?').charAt(0).toUpperCase()}
            </span>
            <div>
              <p className="chat__name">{name.trim() || 'Contato de teste'}</p>
              <p className="chat__phone">{phone ? formatPhone(phone) : '—'}</p>
            </div>
          </div>
          <ErrorAlert error={transcript.error} onRetry={() => transcript.refetch().catch(() => {})} />
          <ol ref={logRef} className="chat__log" role="log" aria-live="polite" aria-label="Conversa" tabIndex={0}>
            {transcript.loading ? (
              <li className="chat__empty">
                <Spinner label="Carregando conversa…" />
              </li>
            ) : null}
            {!transcript.loading && messages.length === 0 && !transcript.error ? (
              <li className="chat__empty">Nenhuma mensagem ainda. Comece com, por exemplo, “Quero marcar uma reunião”.</li>
            ) : null}
            {messages.map((message, index) => (
              <Bubble key={message.id} message={message} zone={zone} showDay={isNewDay(messages, index, zone)} />
            ))}
            {awaiting ? (
              <li className="bubble bubble--out bubble--typing" aria-label="Aguardando resposta do bot">
                <span className="typing" aria-hidden="true">
                  <span />
                  <span />
                  <span />
                </span>
                <span className="visually-hidden">Aguardando resposta…</span>
              </li>
            ) : null}
          </ol>
          {timedOut ? (
            <Alert tone="warning" title="O bot ainda não respondeu" onDismiss={() => setTimedOut(false)}>
              <p>A resposta aparece aqui assim que chegar. Se demorar, confira as Configurações do Cal.com e do Whaticket.</p>
            </Alert>
          ) : null}
          <ErrorAlert error={sendError} onRetry={() => void submit()} onDismiss={() => setSendError(null)} />
          <div className="chat__suggestions" role="group" aria-label="Sugestões de mensagem">
            {SUGGESTIONS.map((suggestion) => (
              <button
                key={suggestion}
                type="button"
                className="chip"
                onClick={() => {
                  setText(suggestion);
                  inputRef.current?.focus();
                }}
              >
                {suggestion}
              </button>
            ))}
          </div>
          <form className="chat__composer" onSubmit={submit}>
            <label htmlFor="simulador-mensagem" className="visually-hidden">
              Mensagem
            </label>
            <textarea
              id="simulador-mensagem"
              ref={inputRef}
              className="input chat__input"
              rows={1}
              placeholder="Digite uma mensagem"
              value={text}
              maxLength={4096}
              onChange={(event) => setText(event.target.value)}
              onKeyDown={onKeyDown}
            />
            <button type="submit" className="button button--primary" disabled={!text.trim() || !phone || sending}>
              <Icon name="send" /> {sending ? 'Enviando…' : 'Enviar'}
            </button>
          </form>
        </div>
      </div>
    </section>
  );
}

function Bubble({ message, zone, showDay }: { message: ChatMessage; zone: string; showDay: boolean }) {
  const incoming = message.direction === 'IN';
  const status = STATUS_LABELS[message.status] ?? message.status.toLowerCase();
  return (
    <>
      {showDay ? (
        <li className="chat__day" aria-hidden="true">
          {formatShortDate(message.at, zone)}
        </li>
      ) : null}
      <li className={`bubble ${incoming ? 'bubble--in' : 'bubble--out'}`} data-direction={message.direction}>
        <span className="visually-hidden">{incoming ? 'Você (contato): ' : 'Secretaria: '}</span>
        <span className="bubble__body">{linkify(message.body)}</span>
        <span className="bubble__meta">
          <time dateTime={message.at}>{formatTime(message.at, zone)}</time>
          {status ? <span> · {status}</span> : null}
        </span>
      </li>
    </>
  );
}

/** Meeting links in the bot's replies become clickable. */
function linkify(text: string): ReactNode[] {
  return text.split(/(https?:\/\/[^\s]+)/g).map((part, index) =>
    index % 2 === 1 ? (
      <a key={index} href={part} target="_blank" rel="noopener noreferrer">
        {part}
      </a>
    ) : (
      part
    ),
  );
}

function isNewDay(messages: ChatMessage[], index: number, zone: string): boolean {
  if (index === 0) return true;
  return formatShortDate(messages[index - 1]!.at, zone) !== formatShortDate(messages[index]!.at, zone);
}
