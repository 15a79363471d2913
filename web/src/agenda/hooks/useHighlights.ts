import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppointmentChangeKind } from '../model/appointment';

const HIGHLIGHT_MS = 4_000;

/** Rows that just changed, briefly marked so the eye (and the "Novo"/"Atualizado" tag) finds them. */
export function useHighlights() {
  const [highlights, setHighlights] = useState<Record<string, AppointmentChangeKind>>({});
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach((timer) => clearTimeout(timer));
  }, []);

  const flash = useCallback((id: string, kind: AppointmentChangeKind) => {
    setHighlights((current) => ({ ...current, [id]: kind }));
    clearTimeout(timers.current.get(id));
    timers.current.set(
      id,
      setTimeout(() => {
        timers.current.delete(id);
        setHighlights(({ [id]: _removed, ...rest }) => rest);
      }, HIGHLIGHT_MS),
    );
  }, []);

  return { highlights, flash };
}
