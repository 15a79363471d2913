import { Dialog } from './Dialog';

interface Props {
  open: boolean;
  title: string;
  message: string;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  danger?: boolean;
}

export function ConfirmDialog({ open, title, message, confirmLabel, onConfirm, onClose, danger }: Props) {
  return (
    <Dialog open={open} title={title} description={message} onClose={onClose}>
      <div className="dialog__footer">
        <button type="button" className="button button--secondary" onClick={onClose} data-autofocus>
          Voltar
        </button>
        <button type="button" className={`button ${danger ? 'button--danger' : 'button--primary'}`} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
