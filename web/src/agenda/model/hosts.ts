import type { Service } from '../../services/graphql/services.query';
import type { HostChoice } from '../components/AgendaFilters';

/**
 * The hosts the Agenda can filter by, from the company's services: each Cal.com user who runs one,
 * and, for a team event type, the team itself (our own bookings of it are keyed on the event type,
 * since Cal.com picks the host). Keys, not names: a name can change or repeat.
 */
export function hostChoices(services: readonly Pick<Service, 'name' | 'hosts' | 'hostKey'>[]): HostChoice[] {
  const byKey = new Map<string, string>();
  for (const service of services) {
    for (const host of service.hosts) if (!byKey.has(host.hostKey)) byKey.set(host.hostKey, host.name);
    // Several hosts: a team event type; none known: the event type stands for its host.
    if (service.hosts.length !== 1 && !byKey.has(service.hostKey)) byKey.set(service.hostKey, service.hosts.length > 1 ? `Equipe de ${service.name}` : service.name);
  }
  return [...byKey].map(([key, label]) => ({ key, label })).sort((a, b) => a.label.localeCompare(b.label, 'pt-BR'));
}
