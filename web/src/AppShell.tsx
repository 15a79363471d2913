import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { AgendaPage } from './agenda/components/AgendaPage';
import { useLogout } from './auth/hooks/useLogout';
import type { SessionUser } from './auth/session-store';
import { SettingsPage } from './settings/components/SettingsPage';
import { useCompany } from './settings/hooks/useCompany';
import { ConnectionIndicator } from './shared/components/ConnectionIndicator';
import { Icon, type IconName } from './shared/components/Icon';
import { RouteLink } from './shared/routing/RouteLink';
import { useRoute, type Route } from './shared/routing/router';
import { Spinner } from './shared/components/Spinner';
import { SimulatorPage } from './simulator/components/SimulatorPage';

// The summary (its query and its chart) is a chunk of its own, loaded on the first visit: the
// initial bundle stays what the Agenda needs.
const SummaryPage = lazy(() => import('./summary/components/SummaryPage').then((m) => ({ default: m.SummaryPage })));

const TABS: { route: Route; label: string; more?: string; icon: IconName; title: string }[] = [
  { route: 'agenda', label: 'Agenda', icon: 'calendar', title: 'Agenda' },
  { route: 'summary', label: 'Resumo', icon: 'chart', title: 'Resumo' },
  { route: 'settings', label: 'Configurações', icon: 'settings', title: 'Configurações' },
  // "WhatsApp" is dropped visually on narrow screens but stays in the accessible name.
  { route: 'simulator', label: 'Simulador', more: ' WhatsApp', icon: 'chat', title: 'Simulador WhatsApp' },
];

/**
 * Header, tabs and the three screens. A screen stays mounted after its first visit (hidden when not
 * active) so filters, loaded pages and half-typed forms survive switching tabs.
 */
export function AppShell({ user }: { user: SessionUser }) {
  const route = useRoute();
  const logout = useLogout();
  const { company } = useCompany();
  const [visited, setVisited] = useState<Set<Route>>(() => new Set<Route>(['agenda', route]));
  const firstRender = useRef(true);

  useEffect(() => {
    setVisited((previous) => (previous.has(route) ? previous : new Set(previous).add(route)));
    const tab = TABS.find((t) => t.route === route)!;
    document.title = `${tab.title} — Secretaria Virtual`;
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    // After navigating, move focus to the new screen's heading so keyboard and screen reader users land there.
    requestAnimationFrame(() => document.getElementById(`titulo-${route}`)?.focus());
  }, [route]);

  return (
    <div className="app">
      <a className="skip-link" href="#conteudo">
        Pular para o conteúdo
      </a>
      <header className="topbar">
        <div className="topbar__inner">
          <div className="brand">
            <span className="brand__mark" aria-hidden="true">
              SV
            </span>
            <span className="brand__text">
              <span className="brand__name">Secretaria Virtual</span>
              {company ? <span className="brand__company">{company.name}</span> : null}
            </span>
          </div>
          <div className="topbar__right">
            <ConnectionIndicator />
            <span className="topbar__user" title={user.email}>
              {user.name || user.email}
            </span>
            <button type="button" className="button button--ghost button--small" onClick={logout}>
              <Icon name="logout" /> Sair
            </button>
          </div>
        </div>
        <nav className="tabs" aria-label="Seções do painel">
          <ul className="tabs__list">
            {TABS.map((tab) => (
              <li key={tab.route}>
                <RouteLink to={tab.route} className="tabs__tab" aria-current={route === tab.route ? 'page' : undefined}>
                  <Icon name={tab.icon} /> {tab.label}
                  {tab.more ? <span className="tabs__long">{tab.more}</span> : null}
                </RouteLink>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="conteudo" className="main">
        {visited.has('agenda') || route === 'agenda' ? (
          <div hidden={route !== 'agenda'}>
            <AgendaPage active={route === 'agenda'} />
          </div>
        ) : null}
        {visited.has('summary') || route === 'summary' ? (
          <div hidden={route !== 'summary'}>
            <Suspense fallback={<Spinner label="Carregando o resumo…" />}>
              <SummaryPage active={route === 'summary'} />
            </Suspense>
          </div>
        ) : null}
        {visited.has('settings') || route === 'settings' ? (
          <div hidden={route !== 'settings'}>
            <SettingsPage active={route === 'settings'} />
          </div>
        ) : null}
        {visited.has('simulator') || route === 'simulator' ? (
          <div hidden={route !== 'simulator'}>
            <SimulatorPage active={route === 'simulator'} />
          </div>
        ) : null}
      </main>
    </div>
  );
}
