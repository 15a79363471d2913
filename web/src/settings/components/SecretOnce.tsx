import { useEffect, useRef } from 'react';
import { Alert } from '../../shared/components/Alert';
import { CopyField } from '../../shared/components/CopyField';

interface Props {
  label: string;
  value: string;
  instructions: string;
  onDone: () => void;
}

/** A freshly generated secret, shown exactly once with a copy button. */
export function SecretOnce({ label, value, instructions, onDone }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLInputElement>('input')?.focus();
  }, []);
  return (
    <div ref={ref} className="secret-once" data-testid="secret-once">
      <Alert tone="warning" title="Copie agora: por segurança, este valor não será exibido novamente.">
        <p>{instructions}</p>
      </Alert>
      <CopyField label={label} value={value} secret />
      <button type="button" className="button button--secondary button--small" onClick={onDone}>
        Já copiei
      </button>
    </div>
  );
}
