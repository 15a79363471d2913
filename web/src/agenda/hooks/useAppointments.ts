import { NetworkStatus } from '@apollo/client';
import { skipToken, useApolloClient, useQuery } from '@apollo/client/react';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { onConnected } from '../../shared/apollo/connection-status';
import { toAppError } from '../../shared/errors/app-error';
import { APPOINTMENTS_QUERY, type AppointmentsVariables } from '../graphql/appointments.query';
import type { Appointment, ListFilter } from '../model/appointment';
import { applyChange } from '../model/apply-change';

export const PAGE_SIZE = 25;
const MAX_PAGE = 200;

/**
 * The agenda list for a filter: first page, "Carregar mais" through cursors, live changes placed
 * into the loaded pages, and a refetch of everything loaded after the live connection comes back
 * (the server does not replay what happened while we were offline).
 */
export function useAppointments(filter: ListFilter | null) {
  const client = useApolloClient();
  const variables = useMemo<AppointmentsVariables | null>(
    () => (filter ? { filter: { from: filter.from, to: filter.to, search: filter.search, status: filter.status, serviceIds: filter.serviceIds, hostKeys: filter.hostKeys }, first: PAGE_SIZE } : null),
    [filter],
  );
  const query = useQuery(
    APPOINTMENTS_QUERY,
    variables ? { variables, fetchPolicy: 'cache-and-network', nextFetchPolicy: 'cache-first', notifyOnNetworkStatusChange: true } : skipToken,
  );

  const connection = query.data?.appointments ?? null;
  const latest = useRef({ variables, loaded: 0, hasData: false });
  latest.current = { variables, loaded: connection?.edges.length ?? 0, hasData: Boolean(connection) };

  /** Reloads every row currently loaded (up to the server's page cap) in one request. */
  const refresh = useCallback(async () => {
    const { variables: current, loaded } = latest.current;
    if (!current) return;
    await client.query({
      query: APPOINTMENTS_QUERY,
      variables: { ...current, first: Math.min(MAX_PAGE, Math.max(PAGE_SIZE, loaded)) },
      fetchPolicy: 'network-only',
    });
  }, [client]);

  useEffect(
    () =>
      onConnected(() => {
        if (latest.current.hasData) refresh().catch(() => {});
      }),
    [refresh],
  );

  const { fetchMore } = query;
  const loadMore = useCallback(() => {
    const cursor = connection?.pageInfo.endCursor;
    if (!cursor) return Promise.resolve();
    return fetchMore({ variables: { after: cursor, first: PAGE_SIZE } }).then(() => undefined);
  }, [connection?.pageInfo.endCursor, fetchMore]);

  /** Puts a created or changed appointment where it belongs in the loaded list (or takes it out). */
  const place = useCallback(
    (appointment: Appointment) => {
      const current = latest.current.variables;
      if (!current || !filter) return;
      client.cache.updateQuery({ query: APPOINTMENTS_QUERY, variables: current }, (data) =>
        data ? { appointments: applyChange(data.appointments, appointment, filter) } : undefined,
      );
    },
    [client, filter],
  );

  return {
    appointments: connection?.edges.map((edge) => edge.node) ?? [],
    totalCount: connection?.totalCount ?? 0,
    hasNextPage: connection?.pageInfo.hasNextPage ?? false,
    loading: query.loading && !connection,
    refreshing: query.networkStatus === NetworkStatus.refetch || (query.loading && Boolean(connection)),
    loadingMore: query.networkStatus === NetworkStatus.fetchMore,
    error: query.error ? toAppError(query.error) : null,
    loadMore,
    refresh,
    place,
  };
}
