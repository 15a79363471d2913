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
  /** A multi-line value (a request body): a text area, the button under it. */
  multiline?: boolean;
}

/** A read-only value with a copy button, for URLs, secrets and request bodies to paste into Cal.com / the WhatsApp provider. */
export function CopyField({ label, value, hint, secret, multiline }: Props) {
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
  const describedBy = hint ? hintId : undefined;
  const select = (event: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => event.currentTarget.select();
  const button = (
    <button type="button" className="button button--secondary" onClick={copy}>
      <Icon name={copied ? 'check' : 'copy'} /> {copied ? 'Copiado' : 'Copiar'}
      <span className="visually-hidden"> {label}</span>
    </button>
  );
  const hintText = hint ? (
    <p id={hintId} className="field__hint">
      {hint}
    </p>
  ) : null;
  return (
    <div className={`field copy-field${secret ? ' copy-field--secret' : ''}`}>
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      {multiline ? (
        <>
          <textarea id={id} className="input input--mono copy-block" readOnly rows={value.split('\n').length} value={value} aria-describedby={describedBy} onFocus={select} />
          {hintText}
          <div className="form__actions">{button}</div>
        </>
      ) : (
        <>
          <div className="copy-field__row">
            <input id={id} className="input input--mono" readOnly value={value} aria-describedby={describedBy} onFocus={select} />
            {button}
          </div>
          {hintText}
        </>
      )}
    </div>
  );
}
