import { useMutation } from '@apollo/client/react';
import { TEST_CALCOM_CONNECTION_MUTATION } from '../graphql/test-calcom-connection.mutation';

export function useTestCalcomConnection() {
  const [mutate, { loading }] = useMutation(TEST_CALCOM_CONNECTION_MUTATION);
  const test = async () => {
    const { data } = await mutate();
    if (!data) throw new Error('Resposta vazia do servidor.');
    return data.testCalcomConnection;
  };
  return { test, testing: loading };
}
