import { skipToken, useQuery } from '@apollo/client/react';
import { useEffect } from 'react';
import { toAppError } from '../../shared/errors/app-error';
import { SIMULATOR_TRANSCRIPT_QUERY } from '../graphql/simulator-transcript.query';

const POLL_MS = 1_000;
/** Errors polling cannot fix: stop asking every second. */
const FATAL = new Set(['NOT_AVAILABLE', 'FORBIDDEN', 'BAD_USER_INPUT']);

/**
 * The test contact's conversation, polled every second while it matters (tab open, or a reply is
 * awaited). Polling is sequential: the next request starts a second after the previous one ended,
 * so a slow server never piles requests up.
 */
export function useSimulatorTranscript(phone: string | null, polling: boolean) {
  const { data, loading, error, refetch } = useQuery(
    SIMULATOR_TRANSCRIPT_QUERY,
    phone ? { variables: { phone }, fetchPolicy: 'cache-and-network', notifyOnNetworkStatusChange: false } : skipToken,
  );
  const appError = error ? toAppError(error) : null;
  const enabled = Boolean(phone) && polling && !(appError && FATAL.has(appError.code));

  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      await refetch().catch(() => {});
      if (!stopped) timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [refetch, enabled]);

  return { messages: data?.simulatorTranscript ?? [], loading: loading && !data, error: appError, refetch };
}
