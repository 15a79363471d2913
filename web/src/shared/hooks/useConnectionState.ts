import { useSyncExternalStore } from 'react';
import { getConnectionState, subscribeConnectionState, type ConnectionState } from '../apollo/connection-status';

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(subscribeConnectionState, getConnectionState);
}
