import { useQuery } from '@apollo/client/react';
import { toAppError } from '../../shared/errors/app-error';
import { COMPANY_QUERY } from '../graphql/company.query';

/** The signed-in admin's company (time zone, integrations); shared by every screen through the cache. */
export function useCompany() {
  const { data, loading, error, refetch } = useQuery(COMPANY_QUERY, { fetchPolicy: 'cache-first' });
  return { company: data?.company ?? null, loading, error: error ? toAppError(error) : null, refetch };
}
