/**
 * The live-update streams: a queue stream hears only that something changed (never which request),
 * a request page hears its own request, the number of streams is capped, and a client that stops
 * reading is dropped instead of buffered for. Real SSE over HTTP on 127.0.0.1, read with fetch.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveUpdates } from '../../app/console/live-updates.js';

let server: Server | undefined;
let live: LiveUpdates | undefined;
afterEach(async () => {
  live?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/** A server whose every GET becomes a stream watching `?request=` (or the queue). */
async function serve(updates: LiveUpdates): Promise<string> {
  server = createServer((req, res) => {
    const watch = new URL(req.url ?? '/', 'http://x').searchParams.get('request');
    if (!updates.add(res, watch)) res.writeHead(503).end('full');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Reads a stream's text until it contains `what`. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  what: string,
  seen = '',
): Promise<string> {
  let text = seen;
  const decoder = new TextDecoder();
  while (!text.includes(what)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before "${what}": ${text}`);
    text += decoder.decode(value);
  }
  return text;
}

describe('LiveUpdates', () => {
  it('tells the queue that something changed and a request page about its own request only', async () => {
    live = new LiveUpdates();
    const url = await serve(live);
    const queue = (await fetch(url)).body?.getReader();
    const page = (await fetch(`${url}/?request=req_a`)).body?.getReader();
    if (!queue || !page) throw new Error('no stream');
    await readUntil(queue, 'retry: 5000');
    await readUntil(page, 'retry: 5000');
    expect(live.size).toBe(2);
    live.publish('voted', { id: 'req_b', status: 'pending' });
    live.publish('decided', { id: 'req_a', status: 'approved' });
    const onQueue = await readUntil(queue, '"change":"decided"');
    expect(onQueue).toContain('event: change\ndata: {"change":"voted"}\n\n');
    expect(onQueue).not.toContain('req_');
    const onPage = await readUntil(page, 'req_a');
    expect(onPage).toContain('data: {"change":"decided","id":"req_a","status":"approved"}');
    expect(onPage).not.toContain('req_b');
  });

  it('answers past the cap with 503 and forgets streams that close', async () => {
    live = new LiveUpdates({ maxClients: 1 });
    const url = await serve(live);
    const first = await fetch(url);
    expect(first.status).toBe(200);
    const second = await fetch(url);
    expect(second.status).toBe(503);
    await first.body?.cancel();
    for (;;) {
      if (live.size === 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await fetch(url)).status).toBe(200);
  });

  it('drops a client whose unread output passes the buffer limit', () => {
    live = new LiveUpdates({ maxBufferedBytes: 100 });
    let destroyed = false;
    const stalled = {
      writableLength: 0,
      writeHead() {},
      write(text: string) {
        this.writableLength += text.length; // never drained: the client reads nothing
        return false;
      },
      on() {},
      end() {},
      destroy() {
        destroyed = true;
      },
    };
    expect(live.add(stalled as unknown as ServerResponse, null)).toBe(true);
    for (let i = 0; i < 10 && !destroyed; i += 1)
      live.publish('created', { id: `req_${i}`, status: 'pending' });
    expect(destroyed).toBe(true);
    expect(live.size).toBe(0);
    expect(stalled.writableLength).toBeLessThan(200);
  });
});
