import { skipToken, useQuery } from '@apollo/client/react';
import { useMemo, useState } from 'react';
import { toAppError } from '../../shared/errors/app-error';
import { addDays, compareDays, todayIn, zonedInstant, type DayKey } from '../../shared/time/zoned-time';
import { AVAILABILITY_QUERY } from '../graphql/availability.query';

/** Free slots of one day in the company's zone (from now on, when the day is today). */
export function useAvailability(day: DayKey | null, zone: string) {
  const [generation, setGeneration] = useState(0);
  const today = todayIn(zone);
  const past = day !== null && compareDays(day, today) < 0;
  const variables = useMemo(() => {
    if (!day || past) return null;
    const start = zonedInstant(day, zone).getTime();
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    return { from: new Date(Math.max(start, now)).toISOString(), to: zonedInstant(addDays(day, 1), zone).toISOString() };
  }, [day, zone, past, generation]); // `generation`: "Recarregar horários" asks again from the current minute

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
      setGeneration((g) => g + 1);
      if (variables) refetch().catch(() => {});
    },
  };
}
