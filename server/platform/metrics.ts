import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric of the product, in one registry per process. Names of the first four are
 * fixed by the release notes (ARCHITECTURE §7). Labels stay bounded: company id, never phones or
 * booking ids.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  return {
    registry,
    appointmentsTotal: new Counter({
      name: 'secretaria_appointments_total',
      help: 'Booking attempts per tenant, by source (whatsapp, admin, api, calcom).',
      labelNames: ['company', 'source'] as const,
      registers,
    }),
    appointmentsConfirmed: new Counter({
      name: 'secretaria_appointments_confirmed_total',
      help: 'Meetings confirmed per tenant.',
      labelNames: ['company', 'source'] as const,
      registers,
    }),
    appointmentsCancelled: new Counter({
      name: 'secretaria_appointments_cancelled_total',
      help: 'Cancellations per tenant, by channel (api, webhook, whatsapp, admin).',
      labelNames: ['company', 'via'] as const,
      registers,
    }),
    appointmentsLatency: new Histogram({
      name: 'secretaria_appointments_latency_seconds',
      help: 'Latency of Cal.com booking creation calls, retries included.',
      labelNames: ['company', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20],
      registers,
    }),
    calcomRequests: new Counter({
      name: 'secretaria_calcom_requests_total',
      help: 'Calls to the Cal.com API by operation and outcome (ok, client_error, rate_limited, server_error, network_error, timeout).',
      labelNames: ['company', 'operation', 'outcome'] as const,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'secretaria_webhook_deliveries_total',
      help: 'Cal.com webhook deliveries by trigger and outcome: duplicate (at the acknowledgement), applied, stale, ignored, failed (when applied), rejected (4xx).',
      labelNames: ['company', 'trigger', 'outcome', 'reason'] as const,
      registers,
    }),
    attendanceTotal: new Counter({
      name: 'secretaria_attendance_total',
      help: 'Attendance set on appointments (attended, no_show, unknown when unmarked), by the Agenda or Cal.com no-show events.',
      labelNames: ['company', 'attendance'] as const,
      registers,
    }),
    whatsappInbound: new Counter({
      name: 'secretaria_whatsapp_inbound_total',
      help: 'Inbound WhatsApp messages by detected intent (or ignored/duplicate) and provider (whaticket, evolution, cloud, simulator).',
      labelNames: ['company', 'intent', 'provider'] as const,
      registers,
    }),
    whatsappOutbound: new Counter({
      name: 'secretaria_whatsapp_outbound_total',
      help: 'Outbound WhatsApp replies by outcome (sent, failed, captured) and provider (whaticket, evolution, cloud, simulator).',
      labelNames: ['company', 'outcome', 'provider'] as const,
      registers,
    }),
    whatsappDeliveryStatus: new Counter({
      name: 'secretaria_whatsapp_delivery_status_total',
      help: 'Delivery statuses reported by the WhatsApp provider for our messages (sent, delivered, read, failed), by provider.',
      labelNames: ['company', 'provider', 'status'] as const,
      registers,
    }),
    remindersTotal: new Counter({
      name: 'secretaria_reminders_total',
      help: 'WhatsApp reminders by outcome: queued (handed to the outbox), sent, failed (the message finally failed), skipped (late, cancelled, no phone).',
      labelNames: ['company', 'outcome'] as const,
      registers,
    }),
    diagnostics: new Counter({
      name: 'secretaria_diagnostics_total',
      help: 'Troubleshooting symptoms seen (webhook_unauthorized, slots_empty, calendar_not_configured, calendar_rejected, meeting_link_missing, calcom_unreachable, booking_overlap).',
      labelNames: ['company', 'symptom'] as const,
      registers,
    }),
    jobsFailed: new Counter({
      name: 'secretaria_jobs_failed_total',
      help: 'Background job attempts that failed, by queue.',
      labelNames: ['queue'] as const,
      registers,
    }),
    jobsCompleted: new Counter({
      name: 'secretaria_jobs_completed_total',
      help: 'Background jobs completed, by queue.',
      labelNames: ['queue'] as const,
      registers,
    }),
    jobQueueDepth: new Gauge({
      name: 'secretaria_job_queue_depth',
      help: 'Jobs waiting per queue (sampled at scrape time).',
      labelNames: ['queue'] as const,
      registers,
    }),
    activeSubscriptions: new Gauge({
      name: 'secretaria_graphql_active_subscriptions',
      help: 'Open GraphQL subscriptions on this instance.',
      registers,
    }),
    databaseUnavailable: new Counter({
      name: 'secretaria_database_unavailable_total',
      help: 'Requests answered 503 (Retry-After) because the database could not be reached, by route pattern (graphql for GraphQL operations).',
      labelNames: ['route'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'secretaria_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern, method and status class.',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
