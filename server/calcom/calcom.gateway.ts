import type { Config } from '../config.js';
import type { CompanyIntegrations } from '../companies/company.service.js';
import type { Metrics } from '../platform/metrics.js';
import { CalendarError, type BookingRequest, type CalendarBooking, type CalendarGateway, type CalendarSlot } from './calendar.gateway.js';

/** Cal.com implementation of the calendar seam. (Placeholder until the Cal.com client lands.) */
export class CalcomGateway implements CalendarGateway {
  constructor(private readonly deps: { metrics: Metrics; config: Config }) {}

  async slots(_company: CompanyIntegrations, _from: Date, _to: Date): Promise<CalendarSlot[]> {
    throw new CalendarError('unavailable', 'not implemented');
  }
  async book(_company: CompanyIntegrations, _request: BookingRequest): Promise<CalendarBooking> {
    throw new CalendarError('unavailable', 'not implemented');
  }
  async cancel(_company: CompanyIntegrations, _uid: string, _reason: string | null): Promise<void> {
    throw new CalendarError('unavailable', 'not implemented');
  }
  async reschedule(_company: CompanyIntegrations, _uid: string, _start: Date, _reason: string | null): Promise<CalendarBooking> {
    throw new CalendarError('unavailable', 'not implemented');
  }
}
