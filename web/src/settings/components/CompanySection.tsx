import { useState, type FormEvent } from 'react';
import { Field } from '../../shared/components/Field';
import { offsetLabel } from '../../shared/time/zoned-time';
import type { Company } from '../graphql/company-fields.fragment';
import type { CompanySettingsInput } from '../graphql/update-company-settings.mutation';
import { useSettingsForm } from '../hooks/useSettingsForm';
import { BRAZIL_TIME_ZONES } from '../model/time-zones';
import { SaveResult } from './SaveResult';

const LABELS = { name: 'Nome da empresa', timezone: 'Fuso horário' };

export function CompanySection({ company }: { company: Company }) {
  const { errors, result, saving, save, dismiss } = useSettingsForm(LABELS);
  const [name, setName] = useState(company.name);
  const [timezone, setTimezone] = useState(company.timezone);
  const zones = BRAZIL_TIME_ZONES.some((z) => z.zone === company.timezone)
    ? BRAZIL_TIME_ZONES
    : [{ zone: company.timezone, label: company.timezone }, ...BRAZIL_TIME_ZONES];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!name.trim()) problems.name = 'Informe o nome da empresa.';
    else if (name.trim().length > 200) problems.name = 'O nome pode ter no máximo 200 caracteres.';
    await save({
      problems,
      input: () => {
        const input: CompanySettingsInput = {};
        if (name.trim() !== company.name) input.name = name.trim();
        if (timezone !== company.timezone) input.timezone = timezone;
        return input;
      },
      message: 'Dados da empresa salvos.',
      onSaved: (saved) => {
        setName(saved.name);
        setTimezone(saved.timezone);
      },
    });
  };

  return (
    <section className="panel" aria-labelledby="secao-empresa">
      <h2 id="secao-empresa" className="panel__title">
        Empresa
      </h2>
      <form className="form" onSubmit={submit} noValidate>
        <div className="form__grid">
          <Field label={LABELS.name} error={errors.name} required>
            {(control) => <input {...control} className="input" value={name} onChange={(event) => setName(event.target.value)} />}
          </Field>
          <Field label={LABELS.timezone} error={errors.timezone} hint={`${timezone}. A agenda e os horários oferecidos pelo bot usam este fuso.`}>
            {(control) => (
              <select {...control} className="input" value={timezone} onChange={(event) => setTimezone(event.target.value)}>
                {zones.map((z) => (
                  <option key={z.zone} value={z.zone}>
                    {z.label} ({offsetLabel(z.zone)})
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving}>
            {saving ? 'Salvando…' : 'Salvar dados da empresa'}
          </button>
        </div>
        <SaveResult state={result} onDismiss={dismiss} />
      </form>
    </section>
  );
}
