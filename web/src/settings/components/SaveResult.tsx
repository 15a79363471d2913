import { Alert } from '../../shared/components/Alert';
import { ErrorAlert } from '../../shared/components/ErrorAlert';
import type { AppError } from '../../shared/errors/app-error';

export type SaveState = { kind: 'idle' } | { kind: 'saved'; message: string } | { kind: 'unchanged' } | { kind: 'error'; error: AppError };

/** The outcome of a settings form, right under its button. */
export function SaveResult({ state, onDismiss }: { state: SaveState; onDismiss: () => void }) {
  switch (state.kind) {
    case 'saved':
      return <Alert tone="success" title={state.message} onDismiss={onDismiss} />;
    case 'unchanged':
      return <Alert tone="info" title="Nada foi alterado." onDismiss={onDismiss} />;
    case 'error':
      return <ErrorAlert error={state.error} onDismiss={onDismiss} settingsLink={false} />;
    default:
      return null;
  }
}
