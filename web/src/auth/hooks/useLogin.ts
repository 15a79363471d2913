import { useMemo, useState } from 'react';
import { createAnonymousClient } from '../../shared/apollo/create-apollo-client';
import { toAppError, type AppError } from '../../shared/errors/app-error';
import { LOGIN_MUTATION } from '../graphql/login.mutation';
import { startSession } from '../session-store';

/** Signs in with a throwaway anonymous client; the session client is created once we have a token. */
export function useLogin() {
  const client = useMemo(() => createAnonymousClient(), []);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  const login = async (email: string, password: string): Promise<boolean> => {
    setPending(true);
    setError(null);
    try {
      const { data } = await client.mutate({ mutation: LOGIN_MUTATION, variables: { email: email.trim(), password } });
      if (!data) throw new Error('resposta vazia');
      startSession(data.login);
      return true;
    } catch (caught) {
      setError(toAppError(caught));
      return false;
    } finally {
      setPending(false);
    }
  };

  return { login, pending, error };
}
