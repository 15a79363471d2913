import { useSubscription } from '@apollo/client/react';
import { useEffect, useRef } from 'react';
import { registerRestart, setConnectionState } from '../../shared/apollo/connection-status';
import { APPOINTMENT_CHANGED_SUBSCRIPTION } from '../graphql/appointment-changed.subscription';
import type { AppointmentChange } from '../model/appointment';

/**
 * Every create/update/reschedule/cancel of the company, as it happens. The appointment itself is
 * normalized into the cache by Apollo (rows already shown update by themselves); `onChange` decides
 * where new or moved rows go.
 */
export function useAppointmentChanges(onChange: (change: AppointmentChange) => void) {
  const handler = useRef(onChange);
  useEffect(() => {
    handler.current = onChange;
  });
  const { restart } = useSubscription(APPOINTMENT_CHANGED_SUBSCRIPTION, {
    ignoreResults: true,
    onData: ({ data }) => {
      if (data.data) handler.current(data.data.appointmentChanged);
    },
    // Retries exhausted or the socket was refused: the header offers "Reconectar" (→ restart).
    onError: () => setConnectionState('disconnected'),
  });
  useEffect(() => registerRestart(restart), [restart]);
}
