import type { WebhookOutcome } from './webhook-delivery.entity.js';

export interface WebhookDiagnostic {
  /** Null for a rejected delivery (never stored). */
  id: string | null;
  at: Date;
  trigger: string | null;
  /** A stored delivery's outcome (`pending` = received, being applied), or `rejected` (never stored). */
  outcome: WebhookOutcome | 'rejected';
  reason: string | null;
  bookingUid: string | null;
  attempts: number;
}

/**
 * Rejected deliveries are never written to the database (a 4xx changes nothing), so the panel's
 * "last rejected webhooks" come from this bounded per-company memory of this instance.
 */
export class RejectedWebhooks {
  private readonly byCompany = new Map<string, WebhookDiagnostic[]>();

  constructor(private readonly keep = 20, private readonly maxCompanies = 10_000) {}

  add(companyId: string, entry: WebhookDiagnostic): void {
    const list = this.byCompany.get(companyId) ?? [];
    list.unshift(entry);
    list.length = Math.min(list.length, this.keep);
    if (!this.byCompany.has(companyId) && this.byCompany.size >= this.maxCompanies) {
      this.byCompany.delete(this.byCompany.keys().next().value!);
    }
    this.byCompany.set(companyId, list);
  }

  list(companyId: string): WebhookDiagnostic[] {
    return this.byCompany.get(companyId) ?? [];
  }
}
