import { useQuery } from '@apollo/client/react';
import { useEffect, useRef } from 'react';
import { toAppError } from '../../shared/errors/app-error';
import { ATTENDANCE_SUMMARY_QUERY } from '../graphql/attendance-summary.query';
import { SUMMARY_WEEKS } from '../model/summary';

/** The last weeks' attendance; fetched again each time the screen becomes visible (marks change it). */
export function useAttendanceSummary(active: boolean) {
  const query = useQuery(ATTENDANCE_SUMMARY_QUERY, { variables: { weeks: SUMMARY_WEEKS }, fetchPolicy: 'cache-and-network', notifyOnNetworkStatusChange: true });
  const { refetch } = query;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (active) refetch().catch(() => {});
  }, [active, refetch]);
  return {
    weeks: query.data?.attendanceSummary ?? null,
    loading: query.loading,
    error: query.error ? toAppError(query.error) : null,
    refetch,
  };
}
