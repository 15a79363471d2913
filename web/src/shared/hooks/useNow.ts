import { useEffect, useState } from 'react';

/**
 * The current time, refreshed every `everyMs` (what is "after the start" changes while a page is open).
 * Paused while the page is hidden (no re-renders nobody sees); on coming back it refreshes at once, so a
 * tab left in the background for hours does not show stale "not started yet" for up to `everyMs`.
 */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const tick = () => setNow(Date.now());
    const start = () => {
      timer ??= setInterval(tick, everyMs);
    };
    const stop = () => {
      clearInterval(timer);
      timer = undefined;
    };
    const visibilityChanged = () => {
      if (document.hidden) return stop();
      tick();
      start();
    };
    if (!document.hidden) start();
    document.addEventListener('visibilitychange', visibilityChanged);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', visibilityChanged);
    };
  }, [everyMs]);
  return now;
}
