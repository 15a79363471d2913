import { useSyncExternalStore } from 'react';

/** The screens; paths are Portuguese because admins see and share them. */
export type Route = 'agenda' | 'summary' | 'settings' | 'simulator';

export const ROUTE_PATHS: Record<Route, string> = {
  agenda: '/agenda',
  summary: '/resumo',
  settings: '/configuracoes',
  simulator: '/simulador',
};

function routeOf(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  for (const [route, routePath] of Object.entries(ROUTE_PATHS) as [Route, string][]) {
    if (path === routePath) return route;
  }
  return 'agenda';
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => routeOf(location.pathname));
}

export function navigate(route: Route): void {
  const path = ROUTE_PATHS[route];
  if (location.pathname !== path) history.pushState(null, '', path);
  listeners.forEach((l) => l());
}
