import { Field } from '../../shared/components/Field';

interface Props {
  label: string;
  /** Masked current value from the server (e.g. `cal_live_****abcd`), or null when not set. */
  current: string | null;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
  name: string;
}

/** Secrets are never read back: show the mask, accept a replacement, leave empty to keep it. */
export function MaskedSecretInput({ label, current, value, onChange, error, name }: Props) {
  return (
    <Field
      label={label}
      error={error}
      hint={
        current ? (
          <>
            Atual: <code className="mask" data-testid={`${name}-mask`}>{current}</code>. Deixe em branco para manter.
          </>
        ) : (
          'Não configurado.'
        )
      }
    >
      {(control) => (
        <input
          {...control}
          name={name}
          className="input input--mono"
          type="password"
          autoComplete="new-password"
          placeholder={current ? 'Digite para substituir' : ''}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}
