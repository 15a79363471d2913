import { useMutation, useQuery } from '@apollo/client/react';
import { toAppError } from '../../shared/errors/app-error';
import { API_KEYS_QUERY, type ApiKeyScope } from '../graphql/api-keys.query';
import { CREATE_API_KEY_MUTATION } from '../graphql/create-api-key.mutation';
import { REVOKE_API_KEY_MUTATION } from '../graphql/revoke-api-key.mutation';

/** The company's API keys, with create (returns the key, shown once) and revoke. */
export function useApiKeys() {
  const { data, loading, error, refetch } = useQuery(API_KEYS_QUERY, { fetchPolicy: 'cache-and-network' });
  const [createMutation, { loading: creating }] = useMutation(CREATE_API_KEY_MUTATION, { refetchQueries: [API_KEYS_QUERY], awaitRefetchQueries: true });
  const [revokeMutation, { loading: revoking }] = useMutation(REVOKE_API_KEY_MUTATION, { refetchQueries: [API_KEYS_QUERY], awaitRefetchQueries: true });

  const create = async (name: string, scope: ApiKeyScope) => {
    const { data: created } = await createMutation({ variables: { name, scope } });
    if (!created) throw new Error('Resposta vazia do servidor.');
    return created.createApiKey.key;
  };
  const revoke = async (id: string) => {
    await revokeMutation({ variables: { id } });
  };
  return {
    keys: data?.apiKeys ?? [],
    loading: loading && !data,
    error: error ? toAppError(error) : null,
    refetch,
    create,
    creating,
    revoke,
    revoking,
  };
}
