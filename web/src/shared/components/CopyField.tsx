import { useId, useState } from 'react';
import { copyText } from '../browser/copy-text';
import { useAnnounce } from './LiveAnnouncer';
import { Icon } from './Icon';

interface Props {
  label: string;
  value: string;
  hint?: string;
  /** Secrets shown once get a stronger style. */
  secret?: boolean;
}

/** A read-only value with a copy button, for URLs and secrets to paste into Cal.com / Whaticket. */
export function CopyField({ label, value, hint, secret }: Props) {
  const id = useId();
  const hintId = useId();
  const [copied, setCopied] = useState(false);
  const announce = useAnnounce();
  const copy = async () => {
    const ok = await copyText(value);
    setCopied(ok);
    announce(ok ? `${label}: copiado para a área de transferência.` : 'Não foi possível copiar. Selecione o texto e copie manualmente.');
    if (ok) setTimeout(() => setCopied(false), 2500);
  };
  return (
    <div className={`field copy-field${secret ? ' copy-field--secret' : ''}`}>
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      <div className="copy-field__row">
        <input
          id={id}
          className="input input--mono"
          readOnly
          value={value}
          aria-describedby={hint ? hintId : undefined}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" className="button button--secondary" onClick={copy}>
          <Icon name={copied ? 'check' : 'copy'} /> {copied ? 'Copiado' : 'Copiar'}
          <span className="visually-hidden"> {label}</span>
        </button>
      </div>
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
