import { ApolloProvider } from '@apollo/client/react';
import { useMemo } from 'react';
import { AppShell } from './AppShell';
import { LoginPage } from './auth/components/LoginPage';
import { useSession } from './auth/hooks/useSession';
import { sessionClientFor } from './auth/session-client';

export function App() {
  const { session, notice } = useSession();
  const token = session?.token ?? null;
  // One client per session token (created once, disposed when the session ends: see session-client).
  const client = useMemo(() => (token ? sessionClientFor(token).apollo : null), [token]);
  if (!session || !client) return <LoginPage notice={notice} />;
  return (
    <ApolloProvider client={client} key={session.token}>
      <AppShell user={session.user} />
    </ApolloProvider>
  );
}
