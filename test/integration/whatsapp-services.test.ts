import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { SYSTEM_ACTOR } from '../../server/audit/audit.service.js';
import { serviceHostKey } from '../../server/catalog/service-catalog.service.js';
import { Service } from '../../server/catalog/service.entity.js';
import { localDateOf, parseDatePreference } from '../../server/whatsapp/date/index.js';
import { optionsMessage, serviceQuestionMessage } from '../../server/whatsapp/replies.js';
import type { SandboxEventType } from '../fakes/calcom-sandbox.js';
import { localSlot, newPhone, offeredSlots, Person, startHarness, TZ, type Harness } from './whatsapp-harness.js';

/**
 * WhatsApp with several services (issue 17): a company with one service behaves exactly as before;
 * with several, the service named in the message (or by its professional) is booked, and when none
 * is named the bot asks once, keeping the day already asked for.
 */
describe('WhatsApp with services', () => {
  let h: Harness;
  const services = async () => h.app.orm.em.fork().find(Service, { companyId: h.company.company.id }, { orderBy: { name: 'asc' } });
  const serviceNamed = async (name: string) => (await services()).find((s) => s.name === name)!;
  const lastAppointment = async (phone: string) =>
    (await h.app.orm.em.fork().find(Appointment, { companyId: h.company.company.id, clientPhone: phone }, { orderBy: { createdAt: 'desc' }, limit: 1 }))[0]!;
  const sync = () => h.app.services.catalog.syncCompany(h.app.orm.em.fork(), h.company.company.id, SYSTEM_ACTOR);
  const label = (text: string) => parseDatePreference(text, new Date(), TZ)!.label;
  const eventType = (et: Pick<SandboxEventType, 'id' | 'title' | 'lengthInMinutes'> & Partial<SandboxEventType>): SandboxEventType => ({
    slug: et.title.toLowerCase(), requiresConfirmation: false, emailRequired: false, hidden: false, teamId: null, workingHours: null, ...et,
  });

  beforeAll(async () => {
    h = await startHarness('whatsapp_services');
  });
  afterAll(async () => h?.close());

  it('one service: the same offer and confirmation as before services existed, booked on that service', async () => {
    const listing = await sync();
    expect(listing.services.map((s) => s.name)).toEqual(['Consulta']);
    const maria = new Person(h, newPhone(), 'Maria Souza');
    const [options] = await maria.ask('quero marcar reunião amanhã à tarde');
    expect(options).toBe(optionsMessage(await offeredSlots(h, maria.phone), new Date(), TZ, 'amanhã à tarde'));
    const [confirmation] = await maria.ask('1');
    expect(confirmation).toMatch(/^Reunião confirmada para amanhã/);
    expect((await lastAppointment(maria.phone)).serviceId).toBe(listing.services[0]!.id);
  });

  describe('several services', () => {
    beforeAll(async () => {
      const tenant = h.calcom.tenant();
      tenant.eventTypes.set(1002, eventType({ id: 1002, title: 'Limpeza', lengthInMinutes: 60 }));
      tenant.teams.push({
        id: 90, name: 'Ortodontia', slug: 'ortodontia',
        members: [
          { id: 31, name: 'Dr. Bruno Reis', email: 'bruno@clinica.example', username: 'bruno', timeZone: TZ },
          { id: 32, name: 'Dra. Carla Dias', email: 'carla@clinica.example', username: 'carla', timeZone: TZ },
        ],
      });
      tenant.eventTypes.set(1003, eventType({ id: 1003, title: 'Avaliação ortodôntica', lengthInMinutes: 45, teamId: 90, workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '14:00', end: '18:00' } }));
      const listing = await sync();
      expect(listing.services.map((s) => s.name)).toEqual(['Avaliação ortodôntica', 'Consulta', 'Limpeza']);
      const limpeza = listing.services.find((s) => s.name === 'Limpeza')!;
      await h.app.services.catalog.update(h.app.orm.em.fork(), { ...adminTenant(), companyId: h.company.company.id }, limpeza.id, { keywords: ['profilaxia'] });
    });

    const joaoPhone = newPhone();

    it('books the service named in the message, with its length, and names it in the offer and the confirmation', async () => {
      const joao = new Person(h, joaoPhone, 'João Lima');
      const [options] = await joao.ask('Quero marcar uma LIMPEZA amanhã à tarde');
      const slots = await offeredSlots(h, joao.phone);
      expect(options).toBe(optionsMessage(slots, new Date(), TZ, label('amanhã à tarde'), 'Limpeza'));
      expect(options).toMatch(/^Tenho estes horários disponíveis para Limpeza amanhã à tarde:/);
      expect(slots[1]!.getTime() - slots[0]!.getTime()).toBe(60 * 60_000);
      const [confirmation] = await joao.ask('1');
      expect(confirmation).toMatch(/^Agendamento confirmado: Limpeza, amanhã às/);
      const row = await lastAppointment(joao.phone);
      expect(row.serviceId).toBe((await serviceNamed('Limpeza')).id);
      expect(row.endAt.getTime() - row.startAt.getTime()).toBe(60 * 60_000);
      expect(h.calcom.booking(row.calBookingUid!)!.eventTypeId).toBe(1002);
    });

    it('recognises a keyword, without accents or case', async () => {
      const ana = new Person(h, newPhone(), 'Ana Clara');
      const [options] = await ana.ask('queria agendar uma PROFILAXIA na sexta');
      expect(options).toContain('para Limpeza');
    });

    it('asks "Qual serviço?" once when none is named, keeps the day asked for, and books the answer', async () => {
      const rita = new Person(h, newPhone(), 'Rita Alves');
      const [question] = await rita.ask('quero marcar amanhã à tarde');
      const all = await services();
      expect(question).toBe(serviceQuestionMessage(all));
      expect(question).toBe(
        'Qual serviço você quer agendar?\n1) Avaliação ortodôntica (45 min)\n2) Consulta (30 min)\n3) Limpeza (60 min)\n\nResponda com o número (1, 2 ou 3) ou o nome do serviço.',
      );
      const [options] = await rita.ask('2');
      expect(options).toBe(optionsMessage(await offeredSlots(h, rita.phone), new Date(), TZ, label('amanhã à tarde'), 'Consulta'));
      const [confirmation] = await rita.ask('1');
      expect(confirmation).toMatch(/^Agendamento confirmado: Consulta, amanhã às/);
      expect((await lastAppointment(rita.phone)).serviceId).toBe((await serviceNamed('Consulta')).id);
    });

    it('an answer that names no service gets the same question again; a name answers it', async () => {
      const pedro = new Person(h, newPhone(), 'Pedro Melo');
      const [question] = await pedro.ask('quero marcar na sexta');
      const [again] = await pedro.ask('qualquer um');
      expect(again).toBe(question);
      const [options] = await pedro.ask('consulta com a Dra. Ana');
      // The sandbox's own host is "Dra. Ana Souza": she runs Consulta (and Limpeza); "consulta" decides.
      expect(options).toMatch(new RegExp(`^Tenho (este horário disponível|estes horários disponíveis) para Consulta ${label('na sexta')}:`));
    });

    it('a professional alone picks the one service they run (a team event type, booked with one of its hosts)', async () => {
      const lia = new Person(h, newPhone(), 'Lia Prado');
      const [options] = await lia.ask('quero marcar com o Dr. Bruno amanhã');
      expect(options).toContain('para Avaliação ortodôntica');
      const slots = await offeredSlots(h, lia.phone);
      // The team's own hours: 14h–18h.
      expect(slots.every((s) => Number(new Intl.DateTimeFormat('en-US', { timeZone: TZ, hour: 'numeric', hourCycle: 'h23' }).format(s)) >= 14)).toBe(true);
      await lia.ask('1');
      const row = await lastAppointment(lia.phone);
      const booking = h.calcom.booking(row.calBookingUid!)!;
      expect(booking.eventTypeId).toBe(1003);
      expect([31, 32]).toContain(booking.hosts[0]!.id);
      expect(row.endAt.getTime() - row.startAt.getTime()).toBe(45 * 60_000);
    });

    it("a start held for one professional is still offered for another's service, never for the same host's", async () => {
      // Our own claim in flight for Consulta (Dra. Ana Souza) at 14:00: Cal.com does not know it yet.
      const start = localSlot(5, 14);
      const consulta = await serviceNamed('Consulta');
      const em = h.app.orm.em.fork();
      em.create(Appointment, {
        companyId: h.company.company.id, startAt: start, endAt: new Date(start.getTime() + 30 * 60_000), source: 'WHATSAPP', status: 'PENDING',
        clientName: 'Reserva em andamento', serviceId: consulta.id, hostKey: serviceHostKey(consulta), hostClaim: true,
      });
      await em.flush();
      const { day: dd, month: mm } = localDateOf(start, TZ);
      const ask = async (text: string) => {
        const person = new Person(h, newPhone(), 'Teste Horário');
        await person.ask(`${text} dia ${dd}/${mm} às 14h`);
        return (await offeredSlots(h, person.phone)).map((d) => d.getTime());
      };
      // The team (Ortodontia) is another host: 14:00 stays free for it.
      const team = await ask('quero marcar uma avaliação ortodôntica');
      expect(team.length).toBeGreaterThan(0);
      expect(team).toContain(start.getTime());
      // The same host, same service or another of hers: 14:00 is held.
      for (const service of ['quero marcar uma consulta', 'quero marcar uma limpeza']) {
        const offered = await ask(service);
        expect(offered.length).toBeGreaterThan(0);
        expect(offered).not.toContain(start.getTime());
      }
    });

    it('a service deactivated between the offer and the answer gets the question again; a meeting of it can still be moved', async () => {
      const tenant = { ...adminTenant(), companyId: h.company.company.id };
      const limpeza = await serviceNamed('Limpeza');
      const caio = new Person(h, newPhone(), 'Caio Nunes');
      await caio.ask('quero marcar uma limpeza amanhã à tarde');
      await h.app.services.catalog.update(h.app.orm.em.fork(), tenant, limpeza.id, { active: false });
      try {
        const [question] = await caio.ask('1');
        expect(question).toBe(serviceQuestionMessage((await services()).filter((s) => s.active)));
        expect(await h.app.orm.em.fork().count(Appointment, { companyId: h.company.company.id, clientPhone: caio.phone })).toBe(0);

        // João's Limpeza (booked above) moves within Limpeza's own slots, though it is no longer offered.
        const joao = new Person(h, joaoPhone, 'João Lima');
        const [options] = await joao.ask('quero remarcar para depois de amanhã à tarde');
        expect(options).toMatch(/^Tenho (este horário disponível|estes horários disponíveis)/);
        const slots = await offeredSlots(h, joaoPhone);
        expect(slots[1]!.getTime() - slots[0]!.getTime()).toBe(60 * 60_000);
      } finally {
        await h.app.services.catalog.update(h.app.orm.em.fork(), tenant, limpeza.id, { active: true });
      }
    });

    it('a deactivated service is no longer offered: back to one service, no question', async () => {
      for (const name of ['Avaliação ortodôntica', 'Limpeza']) {
        await h.app.services.catalog.update(h.app.orm.em.fork(), { ...adminTenant(), companyId: h.company.company.id }, (await serviceNamed(name)).id, { active: false });
      }
      const bia = new Person(h, newPhone(), 'Bia Rocha');
      const [options] = await bia.ask('quero marcar uma limpeza amanhã à tarde');
      expect(options).toBe(optionsMessage(await offeredSlots(h, bia.phone), new Date(), TZ, 'amanhã à tarde'));
    });
  });

  function adminTenant() {
    return {
      companyId: h.company.company.id,
      actor: SYSTEM_ACTOR,
      kind: 'user' as const,
      userId: null,
      canWrite: true,
      isAdmin: true,
      credential: { kind: 'session' as const, id: 'test' },
    } as unknown as Parameters<typeof h.app.services.catalog.update>[1];
  }
});
