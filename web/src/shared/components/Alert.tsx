import type { ReactNode } from 'react';
import { Icon } from './Icon';

export type AlertTone = 'error' | 'warning' | 'success' | 'info';

interface Props {
  tone: AlertTone;
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
  onDismiss?: () => void;
  className?: string;
}

/**
 * Errors are announced assertively (role=alert); successes and information politely (role=status).
 * The region is rendered with its content so screen readers announce it on arrival.
 */
export function Alert({ tone, title, children, actions, onDismiss, className }: Props) {
  const icon = tone === 'success' ? 'check' : tone === 'info' ? 'info' : 'alert';
  return (
    <div className={`alert alert--${tone}${className ? ` ${className}` : ''}`} role={tone === 'error' ? 'alert' : 'status'}>
      <Icon name={icon} size={18} className="alert__icon" />
      <div className="alert__body">
        <p className="alert__title">{title}</p>
        {children ? <div className="alert__text">{children}</div> : null}
        {actions ? <div className="alert__actions">{actions}</div> : null}
      </div>
      {onDismiss ? (
        <button type="button" className="alert__dismiss" onClick={onDismiss} aria-label="Fechar aviso">
          <Icon name="x" size={16} />
        </button>
      ) : null}
    </div>
  );
}
