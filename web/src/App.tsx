import { ApolloProvider } from '@apollo/client/react';
import { LoginPage } from './auth/components/LoginPage';
import { useSession } from './auth/hooks/useSession';
import { sessionClientFor } from './auth/session-client';
import { AppShell } from './AppShell';

export function App() {
  const { session, notice } = useSession();
  if (!session) return <LoginPage notice={notice} />;
  const { apollo } = sessionClientFor(session.token);
  return (
    <ApolloProvider client={apollo} key={session.token}>
      <AppShell user={session.user} />
    </ApolloProvider>
  );
}
