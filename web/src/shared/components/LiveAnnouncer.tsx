import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

type Announce = (message: string) => void;

const AnnouncerContext = createContext<Announce>(() => {});

/**
 * One polite live region for the whole app: live agenda changes, "copiado", "salvo"… Messages are
 * swapped (not appended) so each one is read once.
 */
export function LiveAnnouncerProvider({ children }: { children: ReactNode }) {
  const [message, setMessage] = useState('');
  const counter = useRef(0);
  const announce = useCallback<Announce>((text) => {
    counter.current += 1;
    // A trailing invisible change makes repeated identical messages announce again.
    setMessage(counter.current % 2 ? text : `${text}\u00a0`);
  }, []);
  const value = useMemo(() => announce, [announce]);
  return (
    <AnnouncerContext.Provider value={value}>
      {children}
      <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="live-announcer">
        {message}
      </div>
    </AnnouncerContext.Provider>
  );
}

export function useAnnounce(): Announce {
  return useContext(AnnouncerContext);
}
