import type { IncomingMessage } from 'node:http';

/**
 * Plumbing the provider sandboxes (Whaticket, Evolution API, Graph API) share: reading a request,
 * lenient JSON, a pause, and the log of what they "sent" that a test can wait on.
 */

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The JSON value of `text`, or undefined when it is empty or not JSON (the sandbox answers that itself). */
export function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Waiter<T> {
  count: number;
  resolve: (entries: T[]) => void;
}

/** What a sandbox delivered, in order; `list()` hands out copies so a test cannot change the log. */
export class SentLog<T extends object> {
  private readonly entries: T[] = [];
  private waiters: Array<Waiter<T>> = [];

  /** @param what names the entries in the timeout error ("WhatsApp messages"). */
  constructor(private readonly what: string) {}

  get length(): number {
    return this.entries.length;
  }

  push(entry: T): void {
    this.entries.push(entry);
    const ready = this.waiters.filter((w) => this.entries.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.entries.length < w.count);
    for (const waiter of ready) waiter.resolve(this.list());
  }

  find(predicate: (entry: T) => boolean): T | undefined {
    return this.entries.find(predicate);
  }

  list(): T[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** Resolves with the whole log once it holds `count` entries; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<T[]> {
    if (this.entries.length >= count) return Promise.resolve(this.list());
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T> = {
        count,
        resolve: (entries) => {
          clearTimeout(timer);
          resolve(entries);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`expected ${count} ${this.what} within ${timeoutMs} ms, got ${this.entries.length}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
