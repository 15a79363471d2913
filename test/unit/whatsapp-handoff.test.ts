import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/platform/logger.js';
import { Handoff, placeholders, type WhatsappQueue } from '../../server/whatsapp/handoff.js';

function recordingQueue(fail = false) {
  const calls: Array<[string, string[]]> = [];
  const queue: WhatsappQueue = {
    processInbound: async (ids) => {
      calls.push(['inbound', ids]);
      if (fail) throw new Error('queue down');
    },
    sendOutbound: async (ids) => {
      calls.push(['outbound', ids]);
      if (fail) throw new Error('queue down');
    },
  };
  return { calls, queue };
}

describe('WhatsApp handoff to the durable queues', () => {
  it('hands each kind to its queue, and nothing for an empty list', async () => {
    const { calls, queue } = recordingQueue();
    const handoff = new Handoff();
    handoff.attach(queue, createLogger('silent'));
    await handoff.enqueue('inbound', ['a', 'b']);
    await handoff.enqueue('outbound', ['c']);
    await handoff.enqueue('outbound', []);
    expect(calls).toEqual([
      ['inbound', ['a', 'b']],
      ['outbound', ['c']],
    ]);
  });

  it('logs a failed enqueue instead of throwing: the row is committed and the sweep re-enqueues it', async () => {
    const { calls, queue } = recordingQueue(true);
    const logged: unknown[] = [];
    const log = createLogger('silent');
    log.error = ((fields: unknown) => void logged.push(fields)) as typeof log.error;
    const handoff = new Handoff();
    handoff.attach(queue, log);
    await expect(handoff.enqueue('inbound', ['a'])).resolves.toBeUndefined();
    expect(calls).toEqual([['inbound', ['a']]]);
    expect(logged).toMatchObject([{ kind: 'inbound', ids: ['a'] }]);
  });

  it('refuses work before the composition root attached the queues', async () => {
    await expect(new Handoff().enqueue('inbound', ['a'])).rejects.toThrow(/before its queues were attached/);
    await expect(new Handoff().enqueue('inbound', [])).resolves.toBeUndefined();
  });

  it('binds a list element by element', () => {
    expect(placeholders(['1', '2', '3'])).toBe('?, ?, ?');
  });
});
