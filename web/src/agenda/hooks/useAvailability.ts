import { skipToken, useQuery } from '@apollo/client/react';
import { useMemo } from 'react';
import { toAppError } from '../../shared/errors/app-error';
import { addDays, compareDays, todayIn, zonedInstant, type DayKey } from '../../shared/time/zoned-time';
import { AVAILABILITY_QUERY } from '../graphql/availability.query';

/**
 * Free slots of one day in the company's zone. For today the range starts now; a stale start after
 * the page stays open is harmless, the server only returns future slots. `serviceId` null: the
 * default service.
 */
export function useAvailability(day: DayKey | null, zone: string, serviceId: string | null = null) {
  const past = day !== null && compareDays(day, todayIn(zone)) < 0;
  const variables = useMemo(() => {
    if (!day || past) return null;
    const start = zonedInstant(day, zone).getTime();
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    return { from: new Date(Math.max(start, now)).toISOString(), to: zonedInstant(addDays(day, 1), zone).toISOString(), serviceId };
  }, [day, zone, past, serviceId]);

  const { data, loading, error, refetch } = useQuery(
    AVAILABILITY_QUERY,
    variables ? { variables, fetchPolicy: 'network-only', notifyOnNetworkStatusChange: true } : skipToken,
  );

  return {
    slots: variables ? (data?.availability ?? []) : [],
    loading: Boolean(variables) && loading,
    error: error ? toAppError(error) : null,
    past,
    reload: () => {
      if (variables) refetch().catch(() => {});
    },
  };
}
