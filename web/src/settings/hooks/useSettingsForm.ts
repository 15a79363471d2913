import { useState } from 'react';
import { toAppError } from '../../shared/errors/app-error';
import type { SaveState } from '../components/SaveResult';
import type { Company } from '../graphql/company-fields.fragment';
import type { CompanySettingsInput } from '../graphql/update-company-settings.mutation';
import { settingsFieldErrors } from '../model/settings-errors';
import { useUpdateCompanySettings } from './useUpdateCompanySettings';

interface SaveRequest {
  /** Problems found before sending, by input name; any of them: nothing is sent. */
  problems: Record<string, string>;
  /** The changed settings only (built after validation); empty: "Nada foi alterado." */
  input: () => CompanySettingsInput;
  /** Success message shown under the button. */
  message: string;
  /** Resets the form from what the server saved (secrets cleared, values normalized). */
  onSaved: (saved: Company) => void;
}

/**
 * A settings form's save cycle: local problems next to their inputs, the update, and the outcome under the
 * button; the server's validation errors go next to the input named in `labels` when there is one.
 */
export function useSettingsForm(labels: Record<string, string>) {
  const { update, saving } = useUpdateCompanySettings();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<SaveState>({ kind: 'idle' });

  const save = async ({ problems, input, message, onSaved }: SaveRequest) => {
    setResult({ kind: 'idle' });
    setErrors(problems);
    if (Object.keys(problems).length) return;
    const changes = input();
    if (Object.keys(changes).length === 0) return setResult({ kind: 'unchanged' });
    try {
      onSaved(await update(changes));
      setResult({ kind: 'saved', message });
    } catch (caught) {
      const error = toAppError(caught);
      const fields = settingsFieldErrors(error, labels);
      setErrors(fields);
      setResult(Object.keys(fields).length ? { kind: 'idle' } : { kind: 'error', error });
    }
  };

  return { errors, result, saving, save, dismiss: () => setResult({ kind: 'idle' }) };
}
