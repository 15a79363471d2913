import type { Logger } from './logger.js';

/**
 * Runs `step` until it reports no more work, whenever it is woken; wake-ups during a run coalesce
 * into one more run, started `coalesceMs` after the previous one ended (0: at once), so a steady
 * stream of wake-ups (one per stored message in a burst) costs a run per interval, each taking all
 * that arrived, instead of a run per wake-up; a wake-up after a quiet spell still runs at once.
 * Also wakes itself every `pollMs` as a safety net for lost wake-ups (a NOTIFY sent while the
 * listening connection was down). A failing step is logged and retried at the next wake-up or poll.
 * With `waitForRoom` (ROLE=all: `ApiFirst.waitForRoom`), each step first waits for it: a burst of
 * requests keeps the CPU, the step follows when it ends (or after the wait's bound).
 */
export class Drain {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly timer: NodeJS.Timeout;
  private delayed: NodeJS.Timeout | undefined;

  constructor(
    private readonly name: string,
    /** Does one batch; resolves true when there may be more. */
    private readonly step: () => Promise<boolean>,
    private readonly log: Logger,
    pollMs = 5_000,
    private readonly coalesceMs = 0,
    private readonly waitForRoom?: () => Promise<void>,
  ) {
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running || this.delayed) {
      this.again = true;
      return;
    }
    this.again = false;
    this.running = this.loop().finally(() => {
      this.running = null;
      if (!this.again || this.stopped) return;
      if (this.coalesceMs <= 0) return this.wake();
      this.delayed = setTimeout(() => {
        this.delayed = undefined;
        this.wake();
      }, this.coalesceMs);
      this.delayed.unref();
    });
  }

  /** Waits for the current run (if any) and stops waking. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.delayed);
    await this.running;
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.waitForRoom) await this.waitForRoom();
        if (this.stopped || !(await this.step())) break;
      }
    } catch (error) {
      this.log.error({ err: error, drain: this.name }, 'background drain failed; retrying at the next wake-up');
    }
  }
}
