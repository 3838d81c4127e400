/**
 * Server-sent events for the console's live pages: every signed-in browser holds one
 * `GET /console/events` stream, and each stored change of a request (created, voted, decided) is
 * sent to it as `event: change` with the request's id and status, nothing else (the page then
 * fetches what it shows through the normal, access-checked routes). Bounded: at most `maxClients`
 * streams (further ones are answered 503 and the page falls back to its slow refresh), and a client
 * that does not read what it was sent (the socket's buffer past `maxBufferedBytes`) is dropped
 * rather than buffered for. On one instance every change is seen; with many, each instance tells
 * its own clients about the changes it made (docs/console.md, "Live updates").
 */
import type { ServerResponse } from 'node:http';
import type { RequestChange } from '../services/request-service.js';

export interface LiveUpdateLimits {
  maxClients: number;
  maxBufferedBytes: number;
  /** A comment line keeps proxies from closing an idle stream. */
  heartbeatMs: number;
}

const DEFAULTS: LiveUpdateLimits = { maxClients: 1000, maxBufferedBytes: 64 * 1024, heartbeatMs: 25_000 };

export class LiveUpdates {
  /** Each stream, with the one request its page shows (null: the queue). */
  readonly #clients = new Map<ServerResponse, string | null>();
  readonly #limits: LiveUpdateLimits;
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(limits: Partial<LiveUpdateLimits> = {}) {
    this.#limits = { ...DEFAULTS, ...limits };
  }

  get size(): number {
    return this.#clients.size;
  }

  /**
   * Takes `res` as a stream; false (nothing written) when the limit of streams is reached. A queue
   * stream (`watch` null) hears only that something changed, never which request (ids of requests
   * the viewer may not read are not sent); a request page's stream hears that request's changes.
   */
  add(res: ServerResponse, watch: string | null): boolean {
    if (this.#clients.size >= this.#limits.maxClients) return false;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // The browser reconnects after this many ms if the stream drops.
    res.write('retry: 5000\n\n');
    this.#clients.set(res, watch);
    res.on('close', () => this.#clients.delete(res));
    this.#heartbeat ??= setInterval(
      () => this.#send(() => ': keep-alive\n\n'),
      this.#limits.heartbeatMs,
    ).unref();
    return true;
  }

  publish(change: RequestChange, request: { id: string; status: string }): void {
    if (this.#clients.size === 0) return;
    const queue = `event: change\ndata: ${JSON.stringify({ change })}\n\n`;
    const page = `event: change\ndata: ${JSON.stringify({ change, id: request.id, status: request.status })}\n\n`;
    this.#send((watch) => (watch === null ? queue : watch === request.id ? page : null));
  }

  /** Ends every stream (shutdown). */
  close(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    for (const res of this.#clients.keys()) res.end();
    this.#clients.clear();
  }

  /** Writes what `textFor` gives each stream (null: nothing), dropping streams that stopped reading. */
  #send(textFor: (watch: string | null) => string | null): void {
    for (const [res, watch] of this.#clients) {
      const text = textFor(watch);
      if (text === null) continue;
      if (res.writableLength > this.#limits.maxBufferedBytes) {
        this.#clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(text);
    }
  }
}
