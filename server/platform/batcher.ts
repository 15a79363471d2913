/**
 * Groups concurrent calls into batches for one statement each (e.g. a multi-row insert). A call is
 * sent at once while fewer than `maxInFlight` batches are running, so a lone call waits for nothing;
 * under load the calls that arrive meanwhile queue up and go together (up to `maxBatch`) as soon as
 * a running batch ends. `run` resolves one result per item, in order; when it throws, every call of
 * that batch rejects with its error.
 */
export class Batcher<I, O> {
  private readonly queue: Array<{ item: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxInFlight = 4,
    private readonly maxBatch = 100,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      // `run` is called inside the promise chain: a synchronous throw rejects the batch too.
      Promise.resolve()
        .then(() => this.run(batch.map((b) => b.item)))
        .then(
          (results) => batch.forEach((b, i) => (i < results.length ? b.resolve(results[i]!) : b.reject(new Error('batch returned too few results')))),
          (error: unknown) => batch.forEach((b) => b.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }
}
