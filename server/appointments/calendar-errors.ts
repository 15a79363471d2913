import { CalendarError } from '../calcom/calendar.gateway.js';
import { domainError } from '../platform/errors.js';
import type { Metrics } from '../platform/metrics.js';

export function notConfigured() {
  return domainError('CALCOM_NOT_CONFIGURED');
}

/** Runs a calendar call, a failure of it as our typed error (calendarDomainError). */
export async function calendarCall<T>(companyId: string, metrics: Metrics, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw calendarDomainError(error, companyId, metrics);
  }
}

/** A classified calendar failure as our typed error: our own pt-BR text plus Cal.com's HTTP status: Cal.com's text stays in the logs (ARCHITECTURE §11). */
export function calendarDomainError(error: unknown, companyId: string, metrics: Metrics): unknown {
  if (!(error instanceof CalendarError)) return error;
  const status = error.status === undefined ? {} : { calcomStatus: error.status };
  const http = error.status === undefined ? '' : ` (HTTP ${error.status})`;
  switch (error.kind) {
    case 'not_configured':
      metrics.diagnostics.inc({ company: companyId, symptom: 'calendar_not_configured' });
      return notConfigured();
    case 'slot_taken':
      return domainError('CALCOM_SLOT_UNAVAILABLE', status);
    case 'not_found':
      return domainError('CALCOM_BOOKING_GONE', status);
    case 'rejected':
      if (error.blocked) {
        return domainError('CALCOM_URL_BLOCKED');
      }
      if (error.status === 401 || error.status === 403) {
        return domainError('CALCOM_KEY_REFUSED', { http }, status);
      }
      return domainError('CALCOM_OPERATION_REFUSED', { http }, status);
    case 'unavailable':
      metrics.diagnostics.inc({ company: companyId, symptom: 'calcom_unreachable' });
      return domainError('CALCOM_NO_ANSWER', { http }, status);
  }
}
