import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedCause, forbiddenRange, MAX_REMOTE_BODY_BYTES, OutboundBlocked, OutboundGuard, RemoteBodyTooLarge } from '../../server/platform/outbound-guard.js';

/** A DNS stand-in: each name answers the next address of its list (the last one repeats). */
function fakeDns(answers: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve = (host: string, _options: unknown, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
    asked.push(host);
    const list = answers[host];
    if (!list) return callback(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
    const address = list.length > 1 ? list.shift()! : list[0]!;
    callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
  };
  return { resolve, asked };
}

describe(forbiddenRange.name, () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.0.10', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'],
  ])('refuses %s (%s)', (address, range) => {
    expect(forbiddenRange(address)).toBe(range);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the global unicast address %s', (address) => {
    expect(forbiddenRange(address)).toBeNull();
  });
});

describe(OutboundGuard.name, () => {
  let target: Server;
  let port = 0;
  let hits = 0;
  let answer: (res: import('node:http').ServerResponse) => void = (res) => res.end('{"ok":true}');

  beforeAll(async () => {
    target = createServer((_req, res) => {
      hits += 1;
      answer(res);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    port = (target.address() as AddressInfo).port;
  });
  afterAll(async () => new Promise<void>((resolve) => target.close(() => resolve())));

  it.each([
    'http://127.0.0.1/',
    'http://2130706433/', // decimal
    'http://0x7f.0.0.1/', // hex
    'http://0177.0.0.1/', // octal
    'http://[::ffff:127.0.0.1]/', // IPv4-mapped IPv6
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00::1]:8080/',
    'http://0.0.0.0:5432/',
  ])('refuses %s when saved and when called', async (url) => {
    const sut = new OutboundGuard();
    await expect(sut.check(url)).rejects.toBeInstanceOf(OutboundBlocked);
    await expect(sut.fetch(url)).rejects.toBeInstanceOf(OutboundBlocked);
  });

  it('refuses a name that resolves to a private address, at save time', async () => {
    const dns = fakeDns({ 'cal.empresa.test': ['10.0.0.7'] });
    const sut = new OutboundGuard([], dns.resolve);
    await expect(sut.check('https://cal.empresa.test/v2')).rejects.toMatchObject({ host: 'cal.empresa.test', range: 'private' });
  });

  it('checks again at connect time, so a name rebound to loopback after the save check never connects', async () => {
    const dns = fakeDns({ 'rebind.test': ['93.184.216.34', '127.0.0.1'] });
    const sut = new OutboundGuard([], dns.resolve);
    await sut.check(`http://rebind.test:${port}/`); // public at save time
    const before = hits;
    const error = await sut.fetch(`http://rebind.test:${port}/`).catch((e: unknown) => e);
    expect(blockedCause(error)).toMatchObject({ host: 'rebind.test', range: 'loopback' });
    expect(hits).toBe(before);
    expect(dns.asked).toEqual(['rebind.test', 'rebind.test']);
    await sut.close();
  });

  it('lets listed hosts through (host, or host:port only on that port)', async () => {
    const anyPort = new OutboundGuard([{ host: '127.0.0.1', port: undefined }]);
    expect(await (await anyPort.fetch(`http://127.0.0.1:${port}/`)).json()).toEqual({ ok: true });
    await anyPort.check(`http://127.0.0.1:${port}/`);

    const onePort = new OutboundGuard([{ host: '127.0.0.1', port }]);
    expect((await onePort.fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    await expect(onePort.fetch('http://127.0.0.1:5432/')).rejects.toBeInstanceOf(OutboundBlocked);
    await expect(onePort.check('http://127.0.0.1:5432/')).rejects.toBeInstanceOf(OutboundBlocked);
  });

  it('reads at most 1 MiB of a remote body, announced or streamed', async () => {
    const sut = new OutboundGuard([{ host: '127.0.0.1', port: undefined }]);
    const big = Buffer.alloc(MAX_REMOTE_BODY_BYTES + 1, 'a');
    answer = (res) => res.end(big);
    await expect(sut.fetch(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(RemoteBodyTooLarge);
    answer = (res) => {
      // No content-length: chunks until past the cap.
      res.setHeader('transfer-encoding', 'chunked');
      for (let i = 0; i < 5; i++) res.write(Buffer.alloc(300 * 1024, 'b'));
      res.end();
    };
    await expect(sut.fetch(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(RemoteBodyTooLarge);
    answer = (res) => res.end(Buffer.alloc(MAX_REMOTE_BODY_BYTES, 'c'));
    expect((await (await sut.fetch(`http://127.0.0.1:${port}/`)).text()).length).toBe(MAX_REMOTE_BODY_BYTES);
    answer = (res) => res.end('{"ok":true}');
  });

  it('passes a name that does not resolve at save time (the connection is checked anyway)', async () => {
    const sut = new OutboundGuard([], fakeDns({}).resolve);
    await expect(sut.check('https://ainda-nao-existe.test')).resolves.toBeUndefined();
    await expect(sut.fetch('https://ainda-nao-existe.test').catch((e: unknown) => { throw blockedCause(e) ?? e; })).rejects.toBeDefined();
  });
});
