import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockedDestinationError, guardedPost, type Resolve } from '../../app/adapters/guarded-http.js';
import { HOSTILE_URLS } from '../webhooks/hostile-urls.js';

/** A local server that counts connections, so a test can prove nothing connected. */
let server: Server;
let port: number;
let connections = 0;
let handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const post = (url: string, extra: Partial<Parameters<typeof guardedPost>[0]> = {}) =>
  guardedPost({
    url,
    headers: { 'content-type': 'application/json' },
    body: '{}',
    timeoutMs: 2000,
    allowPrivate: false,
    ...extra,
  });

/** DNS that answers from a table, for names this machine cannot resolve. */
const fakeDns =
  (answers: Record<string, string[] | (() => string[])>): Resolve =>
  async (hostname) => {
    const entry = answers[hostname];
    const list = typeof entry === 'function' ? entry() : entry;
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('guardedPost: refused before any connection', () => {
  it.each(HOSTILE_URLS)('refuses %s (%s)', async (url) => {
    const before = connections;
    await expect(post(url)).rejects.toBeInstanceOf(BlockedDestinationError);
    expect(connections).toBe(before);
  });

  it('refuses a name that resolves to loopback (localhost) at connection time', async () => {
    const before = connections;
    // localhost passes no literal check when private targets are allowed at creation but not here.
    await expect(post(`http://localhost:${port}/`)).rejects.toBeInstanceOf(BlockedDestinationError);
    await expect(
      post(`http://hooks.internal:${port}/`, { resolve: fakeDns({ 'hooks.internal': ['127.0.0.1'] }) }),
    ).rejects.toThrow(/refused to connect to hooks\.internal: 127\.0\.0\.1 is a loopback address/);
    expect(connections).toBe(before);
  });

  it('refuses a name when any one of its addresses is refused', async () => {
    const resolve = fakeDns({ 'mixed.example': ['93.184.216.34', '10.0.0.5'] });
    await expect(post('http://mixed.example/', { resolve })).rejects.toThrow(
      /10\.0\.0\.5 is a private network address/,
    );
  });

  it.each([
    ['::ffff:0:127.0.0.1', /loopback/],
    ['::ffff:0:a00:1', /private network/],
    ['64:ff9b::a00:1', /private network/],
    ['64:ff9b::a9fe:a9fe', /metadata/],
    ['2002:c0a8:101::1', /private network/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /reserved/],
    ['::a00:1', /private network/],
    ['fd12:3456::1', /unique-local/],
    ['fe80::1', /link-local/],
    ['ff02::1', /multicast/],
    ['0.1.2.3', /unspecified/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['169.254.169.254', /metadata/],
    ['255.255.255.255', /broadcast/],
    ['198.18.0.1', /reserved/],
    ['240.0.0.1', /reserved/],
    ['fe80::1%eth0', /not an IP address/],
  ])('refuses a name whose DNS answer is %s, without connecting', async (address, why) => {
    const before = connections;
    const resolve = fakeDns({ 'answer.example': [address] });
    await expect(post(`http://answer.example:${port}/`, { resolve })).rejects.toThrow(why);
    expect(connections).toBe(before);
  });

  it('refuses a name resolving to an IPv4-mapped IPv6 metadata address', async () => {
    const resolve = fakeDns({ 'sneaky.example': ['::ffff:169.254.169.254'] });
    await expect(post('http://sneaky.example/', { resolve })).rejects.toThrow(/metadata/);
  });

  it('checks the address at connection time, so DNS rebinding after a check finds the door shut', async () => {
    let calls = 0;
    // First answer public (what a creation-time check would have seen), then loopback.
    const resolve = fakeDns({ 'rebind.example': () => (++calls === 1 ? ['93.184.216.34'] : ['127.0.0.1']) });
    await resolve('rebind.example', { all: true });
    const before = connections;
    await expect(post(`http://rebind.example:${port}/`, { resolve })).rejects.toThrow(/loopback/);
    expect(connections).toBe(before);
  });
});

describe('guardedPost: delivering', () => {
  it('posts to an allowed private target when private targets are allowed', async () => {
    let received = '';
    handler = (req, res) => {
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        received += c;
      });
      req.on('end', () => res.writeHead(204).end());
    };
    const result = await guardedPost({
      url: `http://localhost:${port}/hook`,
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
      timeoutMs: 2000,
      allowPrivate: true,
    });
    expect(result.status).toBe(204);
    expect(received).toBe('{"a":1}');
  });

  it('never follows a redirect: the 3xx is the answer', async () => {
    let hits = 0;
    handler = (_req, res) => {
      hits += 1;
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    };
    const result = await post(`http://127.0.0.1:${port}/`, { allowPrivate: true });
    expect(result.status).toBe(302);
    expect(hits).toBe(1);
  });

  it('gives up on an attempt that does not finish within its timeout', async () => {
    handler = () => {
      // never answers
    };
    // The handler never answers: only the attempt's timeout ends this before the test timeout.
    await expect(post(`http://127.0.0.1:${port}/`, { allowPrivate: true, timeoutMs: 200 })).rejects.toThrow(
      /no complete answer within 200 ms/,
    );
  });
});
