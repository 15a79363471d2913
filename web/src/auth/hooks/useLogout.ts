import { useApolloClient } from '@apollo/client/react';
import { LOGOUT_MUTATION } from '../graphql/logout.mutation';
import { leaveSession } from '../session-client';
import { endSession, getSessionState } from '../session-store';

/** Ends the session on the server (best effort) and locally (always). */
export function useLogout() {
  const client = useApolloClient();
  return async () => {
    const token = getSessionState().session?.token;
    if (token) {
      leaveSession(token);
      try {
        await client.mutate({ mutation: LOGOUT_MUTATION, variables: { token } });
      } catch {
        // Already invalid on the server, or offline: signing out locally is what matters.
      }
    }
    endSession('logout');
  };
}
