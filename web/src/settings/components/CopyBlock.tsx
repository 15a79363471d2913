import { useId, useState } from 'react';
import { copyText } from '../../shared/browser/copy-text';
import { Icon } from '../../shared/components/Icon';
import { useAnnounce } from '../../shared/components/LiveAnnouncer';

/** A multi-line value to paste elsewhere (a request body), read-only with a copy button. */
export function CopyBlock({ label, value, hint }: { label: string; value: string; hint?: string }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const announce = useAnnounce();
  const copy = async () => {
    const ok = await copyText(value);
    setCopied(ok);
    announce(ok ? `${label}: copiado para a área de transferência.` : 'Não foi possível copiar. Selecione o texto e copie manualmente.');
    if (ok) setTimeout(() => setCopied(false), 2500);
  };
  return (
    <div className="field copy-field">
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      <textarea id={id} className="input input--mono copy-block" readOnly rows={value.split('\n').length} value={value} onFocus={(event) => event.currentTarget.select()} />
      {hint ? <p className="field__hint">{hint}</p> : null}
      <div className="form__actions">
        <button type="button" className="button button--secondary" onClick={copy}>
          <Icon name={copied ? 'check' : 'copy'} /> {copied ? 'Copiado' : 'Copiar'}
          <span className="visually-hidden"> {label}</span>
        </button>
      </div>
    </div>
  );
}
