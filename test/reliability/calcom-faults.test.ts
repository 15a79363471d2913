import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { CalcomGateway } from '../../server/calcom/calcom.gateway.js';
import { reconcileCompany } from '../../server/calcom/calcom.reconcile.js';
import { calendarUnavailableMessage, confirmationMessage } from '../../server/whatsapp/replies.js';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { gql, login, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { eventually, newPhone, offeredSlots, Person, sleep, sql, startHarness, TZ, type Harness } from '../integration/whatsapp-harness.js';
import { pool } from './support/random.js';

const SECRET = 'segredo-falhas';
const BOOK = 'mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) { id status calBookingUid } }';
const POST_BOOKINGS = { method: 'POST', path: '/v2/bookings' } as const;

/** Cal.com answering 500s, 429s, hanging before or after doing the work, and dropping answers. */
describe('Cal.com faults', () => {
  describe('through the API, 30 bookings six at a time', () => {
    let server: TestServer;
    const cal = new CalcomSandbox({ minimumNoticeMinutes: 0 });
    let company: Awaited<ReturnType<typeof seedCompany>>;

    beforeAll(async () => {
      await cal.start();
      server = await startTestServer('reliability_calcom_faults');
      (server.app.services.calendar as CalcomGateway).clientOptions = { timeoutMs: 600, baseBackoffMs: 5, maxRetryWaitMs: 1500 };
      company = await seedCompany(server.app, 'Clínica Falhas', { calApiUrl: cal.url, calApiKey: DEFAULT_API_KEY, calEventTypeId: DEFAULT_EVENT_TYPE_ID, calWebhookSecret: SECRET });
      cal.tenant().webhook = { url: `${server.url}/api/agenda/webhook/cal`, secret: SECRET, companyId: company.company.id };
    });
    afterAll(async () => {
      await server?.close();
      await cal.stop();
    });

    it('ends with our agenda and Cal.com agreeing booking for booking: nothing doubled, nothing lost, no 5xx', async () => {
      const admin = await login(server.url, company.email, company.password);
      const from = new Date(Date.now() + 86_400_000);
      const available = await gql<{ availability: Array<{ start: string }> }>(server.url, 'query($f: DateTime!, $t: DateTime!) { availability(from: $f, to: $t) { start } }', { f: from.toISOString(), t: new Date(from.getTime() + 10 * 86_400_000).toISOString() }, admin);
      const slots = available.data!.availability.map((s) => s.start).slice(0, 30);
      expect(slots).toHaveLength(30);

      cal.failNext(8, 500, POST_BOOKINGS);
      cal.failNext(3, 503, POST_BOOKINGS);
      cal.rateLimitNext(5, { retryAfterSeconds: 1, match: POST_BOOKINGS });
      cal.stallNext(3, 1500, { when: 'before', match: POST_BOOKINGS }); // hangs, never books
      cal.stallNext(3, 1500, { when: 'after', match: POST_BOOKINGS }); // books, answers too late
      cal.acceptThenDropNext(3, POST_BOOKINGS); // books, answer lost
      cal.failNext(2, 500, { method: 'GET', path: '/v2/bookings' }); // and the lookup after a timeout fails too, twice

      const results = await pool(slots, 6, (start, i) =>
        gql<{ bookAppointment: { id: string; status: string; calBookingUid: string } }>(server.url, BOOK, { input: { start, clientName: `Cliente ${i}`, clientEmail: `c${i}@example.com` } }, admin),
      );
      expect(results.map((r) => r.status).filter((s) => s >= 500)).toEqual([]);
      const codes = results.flatMap((r) => r.errors?.map((e) => e.extensions?.code) ?? []);
      expect(codes.filter((c) => c !== 'CALCOM_UNAVAILABLE'), 'failures are reported as Cal.com unavailable').toEqual([]);

      // Webhooks in flight land; reconciliation (the 10-minute job, run here as if 11 minutes had
      // passed) settles claims whose answer was lost.
      await cal.flushWebhooks();
      await reconcileCompany(server.app.orm.em.fork(), server.app.services, company.company.id, new Date(Date.now() + 11 * 60_000));
      await cal.flushWebhooks();

      const ours = await server.app.orm.em.fork().find(Appointment, { companyId: company.company.id });
      const live = ours.filter((a) => a.status !== 'CANCELLED');
      const calLive = cal.bookings().filter((b) => b.status === 'accepted');
      expect(ours.filter((a) => a.status === 'PENDING'), 'no claim left pending').toEqual([]);
      expect(live.map((a) => a.calBookingUid).sort(), 'one live appointment per live Cal.com booking').toEqual(calLive.map((b) => b.uid).sort());
      for (const b of calLive) expect(live.find((a) => a.calBookingUid === b.uid)!.id).toBe(b.metadata.appointmentId);
      expect(new Set(live.map((a) => a.startAt.getTime())).size).toBe(live.length);
      for (const r of results.filter((x) => x.data?.bookAppointment)) {
        expect(live.find((a) => a.id === r.data!.bookAppointment.id), 'every booking confirmed to the caller exists').toBeDefined();
      }
      const confirmed = results.filter((r) => r.data?.bookAppointment).length;
      console.log(`${confirmed} of 30 bookings confirmed to the caller, ${codes.length} reported unavailable; ${live.length} live in both systems`);
      expect(confirmed).toBeGreaterThanOrEqual(24);
    });

    it.each([
      ['500 on every attempt', () => cal.failNext(20, 500, { path: '/v2/slots' })],
      ['429 asking to wait a minute', () => cal.rateLimitNext(20, { retryAfterSeconds: 60, match: { path: '/v2/slots' } })],
      ['no answer', () => cal.stallNext(20, 3000, { match: { path: '/v2/slots' } })],
    ])('answers availability with CALCOM_UNAVAILABLE in bounded time when Cal.com gives %s, then recovers', async (_case, inject) => {
      const admin = await login(server.url, company.email, company.password);
      // A whole week ahead: a shorter window starting on a Friday evening holds only the weekend, with no slots.
      const range = { f: new Date(Date.now() + 86_400_000).toISOString(), t: new Date(Date.now() + 8 * 86_400_000).toISOString() };
      const query = 'query($f: DateTime!, $t: DateTime!) { availability(from: $f, to: $t) { start } }';
      inject();
      const started = Date.now();
      const failed = await gql(server.url, query, range, admin);
      expect(failed.status).toBeLessThan(500);
      expect(failed.errors?.[0]?.extensions?.code).toBe('CALCOM_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(5000);
      cal.reset();
      const ok = await gql<{ availability: unknown[] }>(server.url, query, range, admin);
      expect(ok.errors).toBeUndefined();
      expect(ok.data!.availability.length).toBeGreaterThan(0);
    });
  });

  describe('through WhatsApp, ten people choosing while Cal.com misbehaves', () => {
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness('reliability_calcom_whatsapp');
      (h.app.services.calendar as CalcomGateway).clientOptions = { timeoutMs: 600, baseBackoffMs: 5, maxRetryWaitMs: 1500 };
    });
    afterAll(async () => h?.close());

    it('gets everyone exactly one booking and one confirmation, with "try again" in between at worst', async () => {
      const people = Array.from({ length: 10 }, (_, i) => ({ person: new Person(h, newPhone(), `Pessoa ${i}`), text: `quero marcar reunião daqui a ${2 + (i % 5)} dias ${i < 5 ? 'de manhã' : 'à tarde'}` }));
      for (const { person, text } of people) await person.ask(text);
      const chosen = new Map(await Promise.all(people.map(async ({ person }) => [person.phone, (await offeredSlots(h, person.phone))[0]!] as const)));

      h.calcom.failNext(12, 500, POST_BOOKINGS); // more than one booking's worth of retries
      h.calcom.rateLimitNext(4, { retryAfterSeconds: 1, match: POST_BOOKINGS });
      h.calcom.stallNext(2, 1500, { when: 'after', match: POST_BOOKINGS });
      h.calcom.acceptThenDropNext(2, POST_BOOKINGS);

      // Everyone answers "1"; whoever hears "try again" answers "1" again, up to five times.
      await Promise.all(
        people.map(async ({ person }) => {
          for (let attempt = 0; attempt < 5; attempt++) {
            const [reply] = await person.ask('1', 1);
            if (reply !== calendarUnavailableMessage()) return;
            await sleep(200);
          }
        }),
      );
      await eventually(async () => (await sql<{ n: number }>(h, `select count(*)::int as n from inbound_messages where status = 'RECEIVED'`))[0]!.n === 0, 20_000);
      await h.calcom.flushWebhooks();
      await sleep(1000);

      for (const { person } of people) {
        const slot = chosen.get(person.phone)!;
        const rows = await h.app.orm.em.fork().find(Appointment, { companyId: h.company.company.id, clientPhone: person.phone, status: { $ne: 'CANCELLED' } });
        expect(rows, person.phone).toHaveLength(1);
        expect(rows[0]!.startAt).toEqual(slot);
        expect(h.calcom.bookings().filter((b) => b.start === slot.toISOString() && b.status === 'accepted'), person.phone).toHaveLength(1);
        const replies = person.received().slice(1);
        expect(replies.filter((r) => r !== calendarUnavailableMessage()), person.phone).toEqual([confirmationMessage(slot, rows[0]!.meetingUrl, new Date(), TZ)]);
      }
    });
  });
});
