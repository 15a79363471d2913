import { AppointmentService } from '../appointments/appointment.service.js';
import { AuthService } from '../auth/auth.service.js';
import type { CalendarGateway } from '../calcom/calendar.gateway.js';
import { CompanyService } from '../companies/company.service.js';
import { SecretBox } from '../companies/secret-box.js';
import type { Config } from '../config.js';
import type { Metrics } from './metrics.js';
import type { PgEventBus } from './pubsub.js';

/** The domain services of one process, built once by the composition root. */
export interface Services {
  config: Config;
  metrics: Metrics;
  events: PgEventBus;
  auth: AuthService;
  companies: CompanyService;
  appointments: AppointmentService;
  calendar: CalendarGateway;
}

export function createServices(deps: { config: Config; metrics: Metrics; events: PgEventBus; calendar: CalendarGateway }): Services {
  const companies = new CompanyService(new SecretBox(deps.config.appSecret));
  return {
    ...deps,
    auth: new AuthService(),
    companies,
    appointments: new AppointmentService(companies, deps.calendar, deps.events, deps.metrics),
  };
}
