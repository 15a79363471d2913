import { CalcomSandbox } from '../test/fakes/calcom-sandbox.js';
import { WhaticketSandbox } from '../test/fakes/whaticket-sandbox.js';

/**
 * The Cal.com and Whaticket sandboxes of the WhatsApp benchmark, in their own process: zero added
 * latency, open every day 09:00–18:00. Prints `{"ready": …}` once, then one `{"sent": …}` line per
 * message Whaticket accepted (with the wall-clock time it arrived).
 */
const WHATICKET_TOKEN = 'whaticket-bench-token';
const calcom = new CalcomSandbox({ latencyMs: 0, tenants: [{ workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '09:00', end: '18:00' } }] });
const whaticket = new WhaticketSandbox({ tokens: [WHATICKET_TOKEN], latencyMs: 0 });
const { url: calcomUrl } = await calcom.start();
const { url: whaticketUrl } = await whaticket.start();
process.stdout.write(JSON.stringify({ ready: { calcomUrl, whaticketUrl, whaticketToken: WHATICKET_TOKEN } }) + '\n');

// Every request reaches `requests` when its body has been read: report sends from there (copying
// `sent()` per message would be quadratic over a benchmark's thousands of replies).
const record = whaticket.requests.push.bind(whaticket.requests);
whaticket.requests.push = (...items) => {
  for (const request of items) {
    const body = request.body as { number?: unknown; body?: unknown } | undefined;
    if (request.method === 'POST' && request.path === '/api/messages/send' && body && typeof body === 'object') {
      process.stdout.write(JSON.stringify({ sent: { number: String(body.number), body: String(body.body ?? ''), at: request.at.getTime() } }) + '\n');
    }
  }
  return record(...items);
};
