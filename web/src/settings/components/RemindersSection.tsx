import { useState, type FormEvent } from 'react';
import { Field } from '../../shared/components/Field';
import { reminderOffsetLabel } from '../../shared/format/reminder-offset';
import type { Company } from '../graphql/company-fields.fragment';
import type { CompanySettingsInput } from '../graphql/update-company-settings.mutation';
import { useSettingsForm } from '../hooks/useSettingsForm';
import { SaveResult } from './SaveResult';

/**
 * How a server message that starts with the input's name reads next to it ("quietHoursEnd deve estar…" →
 * "O fim do horário de silêncio deve estar…"); the inputs' own labels would not read as a sentence.
 */
const LABELS = {
  reminderOffsetsMinutes: 'A lista de antecedências',
  quietHoursStart: 'O início do horário de silêncio',
  quietHoursEnd: 'O fim do horário de silêncio',
};

/** "1440, 120" → [1440, 120]; a problem as text (the server checks again and has the last word). */
function parseOffsets(text: string): number[] | string {
  const parts = text.split(/[,;\s]+/).filter(Boolean);
  const values: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part)) return `“${part}” não é um número de minutos.`;
    const value = Number(part);
    if (value < 5 || value > 10_080) return 'Cada antecedência deve ficar entre 5 e 10080 minutos (7 dias).';
    if (values.includes(value)) return `A antecedência de ${value} minutos aparece mais de uma vez.`;
    values.push(value);
  }
  if (values.length > 5) return 'No máximo 5 lembretes por agendamento.';
  return values.sort((a, b) => b - a);
}

function summary(offsets: number[]): string {
  if (offsets.length === 0) return 'Nenhum lembrete será enviado.';
  const labels = offsets.map(reminderOffsetLabel);
  const list = labels.length === 1 ? labels[0] : `${labels.slice(0, -1).join(', ')} e ${labels.at(-1)}`;
  return `O cliente recebe ${offsets.length === 1 ? 'um lembrete' : `${offsets.length} lembretes`} pelo WhatsApp: ${list} antes do início.`;
}

/**
 * "Lembretes": when the WhatsApp reminders go out (minutes before the start; empty = none) and the
 * quiet hours in the company's zone (a reminder due inside them goes earlier, never later).
 */
export function RemindersSection({ company }: { company: Company }) {
  const { errors, result, saving, save, dismiss } = useSettingsForm(LABELS);
  const [offsetsText, setOffsetsText] = useState(company.reminderOffsetsMinutes.join(', '));
  const [quietOn, setQuietOn] = useState(company.quietHoursStart !== null);
  const [quietStart, setQuietStart] = useState(company.quietHoursStart ?? '21:00');
  const [quietEnd, setQuietEnd] = useState(company.quietHoursEnd ?? '08:00');
  const parsed = parseOffsets(offsetsText);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (typeof parsed === 'string') problems.reminderOffsetsMinutes = parsed;
    if (quietOn && !/^\d{2}:\d{2}$/.test(quietStart)) problems.quietHoursStart = 'Informe o início no formato HH:MM.';
    if (quietOn && !/^\d{2}:\d{2}$/.test(quietEnd)) problems.quietHoursEnd = 'Informe o fim no formato HH:MM.';
    await save({
      problems,
      input: () => {
        const input: CompanySettingsInput = {};
        // Called only without problems: `parsed` is the list here.
        if (typeof parsed !== 'string' && parsed.join(',') !== company.reminderOffsetsMinutes.join(',')) input.reminderOffsetsMinutes = parsed;
        const start = quietOn ? quietStart : '';
        const end = quietOn ? quietEnd : '';
        if (start !== (company.quietHoursStart ?? '') || end !== (company.quietHoursEnd ?? '')) {
          input.quietHoursStart = start;
          input.quietHoursEnd = end;
        }
        return input;
      },
      message: 'Lembretes salvos. Os agendamentos futuros já seguem a nova configuração.',
      onSaved: (saved) => {
        setOffsetsText(saved.reminderOffsetsMinutes.join(', '));
        setQuietOn(saved.quietHoursStart !== null);
      },
    });
  };

  return (
    <section className="panel" aria-labelledby="secao-lembretes">
      <h2 id="secao-lembretes" className="panel__title">
        Lembretes
      </h2>
      <p className="muted">
        Antes de cada agendamento com telefone, o cliente recebe um lembrete pelo WhatsApp e pode responder 1 para confirmar, 2 para remarcar ou 3
        para cancelar.
      </p>
      <form className="form" onSubmit={submit} noValidate>
        <div className="form__grid">
          <Field
            label="Enviar lembretes (minutos antes do início)"
            error={errors.reminderOffsetsMinutes}
            hint={typeof parsed === 'string' ? 'Ex.: 1440, 120 (24 h e 2 h antes). Deixe vazio para não enviar lembretes.' : summary(parsed)}
          >
            {(control) => (
              <input {...control} className="input" inputMode="numeric" placeholder="1440, 120" value={offsetsText} onChange={(event) => setOffsetsText(event.target.value)} />
            )}
          </Field>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={quietOn} onChange={(event) => setQuietOn(event.target.checked)} />
          Horário de silêncio (no fuso {company.timezone}): um lembrete que cairia nele é enviado antes, nunca depois.
        </label>
        {quietOn ? (
          <div className="form__grid">
            <Field label="Sem lembretes a partir de" error={errors.quietHoursStart}>
              {(control) => <input {...control} type="time" className="input" value={quietStart} onChange={(event) => setQuietStart(event.target.value)} />}
            </Field>
            <Field label="Até" error={errors.quietHoursEnd}>
              {(control) => <input {...control} type="time" className="input" value={quietEnd} onChange={(event) => setQuietEnd(event.target.value)} />}
            </Field>
          </div>
        ) : null}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving}>
            {saving ? 'Salvando…' : 'Salvar lembretes'}
          </button>
        </div>
        <SaveResult state={result} onDismiss={dismiss} />
      </form>
    </section>
  );
}
