import { useMutation, useQuery } from '@apollo/client/react';
import { toAppError } from '../../shared/errors/app-error';
import { SERVICES_QUERY } from '../graphql/services.query';
import { SYNC_SERVICES_MUTATION } from '../graphql/sync-services.mutation';
import { UPDATE_SERVICE_MUTATION, type UpdateServiceInput } from '../graphql/update-service.mutation';

/** The company's services (Cal.com event types), with the import from Cal.com and local edits. */
export function useServices() {
  const { data, loading, error, refetch } = useQuery(SERVICES_QUERY, { fetchPolicy: 'cache-and-network' });
  // The sync answers with the whole list (the same as `company.services`): written into the cache, no refetch.
  const [syncMutation, { loading: syncing }] = useMutation(SYNC_SERVICES_MUTATION, {
    update: (cache, { data: synced }) => {
      if (!synced) return;
      cache.updateQuery({ query: SERVICES_QUERY }, (current) => (current ? { ...current, company: { ...current.company, services: synced.syncServices } } : current));
    },
  });
  const [updateMutation] = useMutation(UPDATE_SERVICE_MUTATION);

  const sync = async () => {
    const { data: synced } = await syncMutation();
    return synced?.syncServices ?? [];
  };
  const update = async (id: string, input: UpdateServiceInput) => {
    const { data: updated } = await updateMutation({ variables: { id, input } });
    if (!updated) throw new Error('Resposta vazia do servidor.');
    return updated.updateService;
  };
  return {
    services: data?.company.services ?? [],
    loading: loading && !data,
    error: error ? toAppError(error) : null,
    refetch,
    sync,
    syncing,
    update,
  };
}
