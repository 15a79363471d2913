import { useQuery } from '@apollo/client/react';
import { toAppError } from '../../shared/errors/app-error';
import { APPOINTMENT_HISTORY_QUERY } from '../graphql/appointment-history.query';

/** The audit trail of one appointment (fetched each time it is opened: it grows while we watch). */
export function useAppointmentHistory(appointmentId: string) {
  const { data, loading, error, refetch } = useQuery(APPOINTMENT_HISTORY_QUERY, {
    variables: { filter: { subject: `appointment:${appointmentId}` }, first: 50 },
    fetchPolicy: 'cache-and-network',
  });
  return {
    entries: data?.auditLog.edges.map((edge) => edge.node) ?? [],
    totalCount: data?.auditLog.totalCount ?? 0,
    loading: loading && !data,
    error: error ? toAppError(error) : null,
    refetch,
  };
}
