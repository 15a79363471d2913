import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OutboundGuard } from '../../server/platform/outbound-guard.js';
import { WhaticketClient, WhaticketError } from '../../server/whatsapp/whaticket.client.js';
import { WhaticketSandbox, sendInbound, type WhaticketSuccessStyle } from '../fakes/whaticket-sandbox.js';

const TOKEN = 'conn-token-company-1';
const NUMBER = '5511999999999';

let sandbox: WhaticketSandbox;

beforeAll(async () => {
  sandbox = new WhaticketSandbox({ tokens: [TOKEN], unregisteredNumbers: ['5511000000000'] });
  await sandbox.start();
});

afterAll(async () => {
  await sandbox.stop();
});

beforeEach(async () => {
  await sandbox.up();
  sandbox.reset();
  sandbox.successStyle = 'saas';
});

/** The sandbox listens on loopback: allowed, as OUTBOUND_ALLOWED_HOSTS=127.0.0.1 would. */
const SANDBOX_GUARD = new OutboundGuard([{ host: '127.0.0.1', port: undefined }]);

function makeClient(overrides: { token?: string; timeoutMs?: number; url?: string } = {}) {
  return new WhaticketClient({ url: overrides.url ?? `${sandbox.url}/`, token: overrides.token ?? TOKEN, timeoutMs: overrides.timeoutMs, fetch: SANDBOX_GUARD.fetch });
}

async function rejectionOf(promise: Promise<unknown>): Promise<WhaticketError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WhaticketError);
  return error as WhaticketError;
}

describe(WhaticketClient.name, () => {
  it('posts {number, body} as JSON with the connection token', async () => {
    await makeClient().send(NUMBER, 'Olá, Maria! Sua consulta está confirmada.');

    const [request] = sandbox.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/api/messages/send');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({ number: NUMBER, body: 'Olá, Maria! Sua consulta está confirmada.' });
    expect(sandbox.sent()).toMatchObject([{ number: NUMBER, body: 'Olá, Maria! Sua consulta está confirmada.', token: TOKEN }]);
  });

  it('sends digits only', async () => {
    await makeClient().send('+55 (11) 99999-9999', 'oi');

    expect(sandbox.sent()[0]?.number).toBe(NUMBER);
  });

  it('refuses a number without enough digits before calling Whaticket', async () => {
    const error = await rejectionOf(makeClient().send('abc', 'oi'));

    expect(error).toMatchObject({ kind: 'invalid_input', status: null, retryable: false });
    expect(sandbox.requests).toHaveLength(0);
  });

  it.each<WhaticketSuccessStyle>(['saas', 'community', 'ticketz', 'gold'])('accepts the %s success answer', async (style) => {
    sandbox.successStyle = style;

    await expect(makeClient().send(NUMBER, 'oi')).resolves.toBeUndefined();
    expect(sandbox.sent()).toHaveLength(1);
  });

  it('maps a bad token to a permanent 401 with the server message', async () => {
    const error = await rejectionOf(makeClient({ token: 'wrong' }).send(NUMBER, 'oi'));

    expect(error).toMatchObject({ kind: 'http', status: 401, message: 'Acesso não permitido', retryable: false });
    expect(sandbox.sent()).toHaveLength(0);
  });

  it('treats a number that is not on WhatsApp as permanent', async () => {
    const error = await rejectionOf(makeClient().send('5511000000000', 'oi'));

    expect(error).toMatchObject({ status: 400, message: 'ERR_CHECK_NUMBER', retryable: false });
  });

  it.each([
    ['ERR_WAPP_NOT_INITIALIZED', true],
    ['ERR_SENDING_WAPP_MSG', true],
    ['Não foi possível enviar a mensagem, tente novamente em alguns instantes', true],
    ['O número é obrigatório', false],
  ])('maps 400 %s to retryable=%s', async (code, retryable) => {
    sandbox.failNext(1, 400, code);

    const error = await rejectionOf(makeClient().send(NUMBER, 'oi'));

    expect(error).toMatchObject({ status: 400, message: code, retryable });
  });

  it('reports a 500 as retryable and does not retry by itself', async () => {
    sandbox.failNext(1, 500);
    const sut = makeClient();

    const error = await rejectionOf(sut.send(NUMBER, 'oi'));
    await sut.send(NUMBER, 'oi de novo');

    expect(error).toMatchObject({ kind: 'http', status: 500, message: 'Internal server error', retryable: true });
    expect(sandbox.requests).toHaveLength(2);
    expect(sandbox.sent().map((m) => m.body)).toEqual(['oi de novo']);
  });

  it('reports a 503 from a proxy as retryable', async () => {
    await sandbox.down('unavailable');

    const error = await rejectionOf(makeClient().send(NUMBER, 'oi'));

    expect(error).toMatchObject({ status: 503, retryable: true });
  });

  it('reports a refused connection as a retryable network error, and works once Whaticket is back', async () => {
    const sut = makeClient();
    await sandbox.down();

    const error = await rejectionOf(sut.send(NUMBER, 'oi'));
    await sandbox.up();
    await sut.send(NUMBER, 'voltou');

    expect(error).toMatchObject({ kind: 'network', status: null, retryable: true });
    expect(sandbox.sent().map((m) => m.body)).toEqual(['voltou']);
  });

  it('times out a stalled Whaticket as retryable', async () => {
    sandbox.stallNext(1, 1_000);

    const error = await rejectionOf(makeClient({ timeoutMs: 100 }).send(NUMBER, 'oi'));

    expect(error).toMatchObject({ kind: 'timeout', status: null, retryable: true });
  });

  it('reports a wrong base URL (Express 404) as permanent', async () => {
    const error = await rejectionOf(makeClient({ url: `${sandbox.url}/backend` }).send(NUMBER, 'oi'));

    expect(error).toMatchObject({ status: 404, retryable: false });
    expect(error.message).toContain('Cannot POST /backend/api/messages/send');
  });
});

describe(WhaticketSandbox.name, () => {
  it('waits for messages and times out when they do not come', async () => {
    const waiting = sandbox.waitForMessages(2, 2_000);
    const sut = makeClient();
    await sut.send(NUMBER, 'um');
    await sut.send(NUMBER, 'dois');

    expect((await waiting).map((m) => m.body)).toEqual(['um', 'dois']);
    await expect(sandbox.waitForMessages(3, 50)).rejects.toThrow('expected 3 WhatsApp messages');
  });

  it('answers a missing number like Whaticket SaaS', async () => {
    const response = await fetch(`${sandbox.url}/api/messages/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'sem número' }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'O número é obrigatório' });
  });
});

describe(sendInbound.name, () => {
  let receiver: { url: string; received: Array<{ path: string; headers: IncomingHttpHeaders; body: unknown }>; close: () => Promise<void> };

  beforeAll(async () => {
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await receiver.close();
  });

  beforeEach(() => {
    receiver.received.length = 0;
  });

  it('posts the raw Baileys message Whaticket SaaS integrations send', async () => {
    const result = await sendInbound(receiver.url, 'company-1', 'inbound-token', {
      from: NUMBER,
      text: 'Quero marcar uma consulta',
      name: 'Maria',
      id: '3EB0ABC',
      form: 'baileys',
    });

    const [delivery] = receiver.received;
    expect(result).toEqual({ status: 200, body: { ok: true }, id: '3EB0ABC' });
    expect(delivery?.path).toBe('/api/whaticket/inbound/company-1');
    expect(delivery?.headers.authorization).toBe('Bearer inbound-token');
    expect(delivery?.body).toEqual({
      key: { remoteJid: '5511999999999@s.whatsapp.net', fromMe: false, id: '3EB0ABC' },
      messageTimestamp: expect.any(Number),
      pushName: 'Maria',
      message: { conversation: 'Quero marcar uma consulta' },
    });
  });

  it('posts the simple form with a generated message id', async () => {
    const result = await sendInbound(receiver.url, 'company-1', 'inbound-token', { from: NUMBER, text: 'oi', name: 'Maria', form: 'simple' });

    expect(result.id).toMatch(/^3EB0[0-9A-F]{16}$/);
    expect(receiver.received[0]?.body).toEqual({ number: NUMBER, body: 'oi', messageId: result.id, name: 'Maria' });
  });
});

async function startReceiver() {
  const received: Array<{ path: string; headers: IncomingHttpHeaders; body: unknown }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('WhaticketClient and the outbound guard', () => {
  it('never sends to a loopback URL unless it is allowed, and does not retry that', async () => {
    const sut = new WhaticketClient({ url: sandbox.url, token: TOKEN }); // the default guard allows no private host
    const error = await sut.send('5511987654321', 'oi').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'blocked', retryable: false });
  });
});
