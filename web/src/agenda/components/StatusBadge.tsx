import { Icon } from '../../shared/components/Icon';
import type { AppointmentStatus } from '../model/appointment';
import { STATUS_LABELS } from '../model/labels';

/** Colour plus icon plus word: the status reads the same without colour. */
export function StatusBadge({ status }: { status: AppointmentStatus }) {
  const { label, icon } = STATUS_LABELS[status];
  return (
    <span className={`badge badge--${status.toLowerCase()}`} data-status={status}>
      <Icon name={icon} size={14} />
      {label}
    </span>
  );
}
