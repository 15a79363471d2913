import { performance } from 'node:perf_hooks';

export interface ApiFirstOptions {
  /** How often the load is sampled. */
  intervalMs: number;
  /** Event-loop utilisation (0–1) over an interval above which the process counts as saturated. */
  utilization: number;
  /** Requests completed in an interval that make a burst (5 per 100 ms: 50 per second). */
  burstRequests: number;
  /** Longest one step of background work is held back: it slows down, it never stops. */
  maxWaitMs: number;
}

const DEFAULTS: ApiFirstOptions = { intervalMs: 100, utilization: 0.8, burstRequests: 5, maxWaitMs: 2000 };

/**
 * In a process that serves the API and also works in the background (applying stored Cal.com
 * webhook deliveries, with ROLE=api or all; running jobs, with ROLE=all, the default), answering
 * requests comes first: while a burst of requests saturates the event loop, background work about
 * to start its next step waits (in steps of `intervalMs`, `maxWaitMs` at most). Acknowledging a
 * burst of WhatsApp messages or Cal.com webhooks then keeps most of the CPU, and their processing
 * (already stored, so nothing is lost) follows a little later. An occasional request never holds
 * anything back: it takes a burst *and* a saturated loop. A ROLE=worker process does not need this.
 */
export class ApiFirst {
  readonly options: ApiFirstOptions;
  private served = 0;
  private saturated = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    options: Partial<ApiFirstOptions> = {},
    /** Event-loop utilisation since the previous call (replaced in tests). */
    private readonly utilizationSince: () => number = defaultUtilization(),
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.timer = setInterval(() => this.sample(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Called for every completed request. */
  requestServed(): void {
    this.served += 1;
  }

  /** Whether the last interval was a saturating burst of requests. */
  get busy(): boolean {
    return this.saturated;
  }

  /** Resolves once the API leaves room for background work, or after `maxWaitMs`. */
  async waitForRoom(): Promise<void> {
    const deadline = Date.now() + this.options.maxWaitMs;
    while (this.saturated && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, this.options.intervalMs));
    }
  }

  /** Stops sampling; anything waiting (a job at shutdown) goes at once. */
  stop(): void {
    clearInterval(this.timer);
    this.saturated = false;
  }

  /** One interval's verdict (the timer calls it; tests may too). */
  sample(): void {
    this.saturated = this.served >= this.options.burstRequests && this.utilizationSince() > this.options.utilization;
    this.served = 0;
  }
}

function defaultUtilization(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, last);
    last = now;
    return delta.utilization;
  };
}
