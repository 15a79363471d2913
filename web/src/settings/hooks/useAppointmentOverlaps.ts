import { skipToken, useQuery } from '@apollo/client/react';
import { toAppError } from '../../shared/errors/app-error';
import { APPOINTMENT_OVERLAPS_QUERY } from '../graphql/appointment-overlaps.query';

const POLL_MS = 30_000;

/** Upcoming appointments booked on top of another of the same host, while Configurações is open. */
export function useAppointmentOverlaps(active: boolean) {
  const { data, loading, error, refetch } = useQuery(
    APPOINTMENT_OVERLAPS_QUERY,
    active ? { variables: { first: 10 }, pollInterval: POLL_MS, fetchPolicy: 'cache-and-network' } : skipToken,
  );
  return {
    total: data?.appointmentOverlaps.total ?? 0,
    appointments: data?.appointmentOverlaps.appointments ?? [],
    loading: loading && !data,
    error: error ? toAppError(error) : null,
    refetch,
  };
}
