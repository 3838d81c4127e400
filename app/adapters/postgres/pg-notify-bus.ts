/**
 * The decision bus over PostgreSQL `LISTEN/NOTIFY` (docs/operations.md, "Many instances"): a
 * decision is announced with `pg_notify(channel, requestId)` through the pool; every instance
 * LISTENs on a dedicated connection (a pooled one would be handed to other queries and lose the
 * subscription). When that connection is lost the bus reconnects with backoff, LISTENs again and
 * then asks for a resync, so the hub re-reads every request it has waiters for: a decision
 * announced while this instance was not listening is not missed.
 *
 * The same connection hears API key changes (a trigger announces each on `agentgate_api_keys`,
 * pg-migrations.ts): it is the instance's `KeyChangeFeed`, live while it listens. When it is lost,
 * watchers are told that changes may have gone unheard (`changed(null)`) before anything else.
 */
import pg from 'pg';
import type { Logger } from '../../logger.js';
import type { DecisionBus, DecisionBusListener } from '../../ports/decision-bus.js';
import type { KeyChangeFeed } from '../../ports/key-change-feed.js';
import { API_KEY_CHANGES_CHANNEL } from './pg-migrations.js';

const DEFAULT_DECISION_CHANNEL = 'agentgate_decided';

export interface PgDecisionBusOptions {
  /** Sends the announcements. */
  pool: pg.Pool;
  /** How to open the dedicated LISTEN connection (the same database as `pool`). */
  connection: pg.ClientConfig;
  /** The NOTIFY channel; instances of one deployment share it (default `agentgate_decided`). */
  channel?: string;
  log: Logger;
  /**
   * Runs `reconnect` after a lost connection (default: after 100 ms, doubling up to 5 s per failed
   * attempt). Tests pass their own to decide when the connection comes back.
   */
  scheduleReconnect?: (reconnect: () => void, attempt: number) => void;
  /** Told when the LISTEN connection is up (again) and listening, or lost. */
  onState?: (state: 'listening' | 'lost') => void;
}

const defaultSchedule = (reconnect: () => void, attempt: number) => {
  setTimeout(reconnect, Math.min(100 * 2 ** attempt, 5000)).unref();
};

export class PgDecisionBus implements DecisionBus, KeyChangeFeed {
  readonly #options: PgDecisionBusOptions;
  readonly #channel: string;
  #client: pg.Client | null = null;
  #listener: DecisionBusListener | null = null;
  readonly #keyWatchers: ((keyId: string | null) => void)[] = [];
  #listening = false;
  #closed = false;
  #attempt = 0;

  constructor(options: PgDecisionBusOptions) {
    this.#options = options;
    this.#channel = options.channel ?? DEFAULT_DECISION_CHANNEL;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.#channel)) {
      throw new Error(`the NOTIFY channel must be a lower-case SQL identifier (got "${this.#channel}")`);
    }
  }

  async announce(requestId: string): Promise<void> {
    await this.#options.pool.query('SELECT pg_notify($1, $2)', [this.#channel, requestId]);
  }

  watch(changed: (keyId: string | null) => void): void {
    this.#keyWatchers.push(changed);
  }

  get live(): boolean {
    return this.#listening;
  }

  #keyChanged(keyId: string | null): void {
    for (const changed of this.#keyWatchers) changed(keyId);
  }

  /** Listens; rejects if the first connection fails (the server should not start deaf). */
  async start(listener: DecisionBusListener): Promise<void> {
    this.#listener = listener;
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listening = false;
    this.#keyChanged(null);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#options.connection);
    let ready = false;
    const lost = (error?: Error) => {
      // Before it is ready, a failure rejects #connect; after, once (an error is followed by end).
      if (!ready || this.#client !== client) return;
      this.#client = null;
      // Key changes may go unheard from now on: nothing cached of keys is trusted.
      this.#listening = false;
      this.#keyChanged(null);
      client.end().catch(() => undefined);
      if (this.#closed) return;
      this.#options.log.warn(
        { err: error },
        'lost the LISTEN connection for decisions and key changes; reconnecting (waiters on this instance are re-checked then, and cached keys are not trusted meanwhile)',
      );
      this.#options.onState?.('lost');
      this.#retry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (!message.payload) return;
      if (message.channel === this.#channel) this.#listener?.decided(message.payload);
      else if (message.channel === API_KEY_CHANGES_CHANNEL) this.#keyChanged(message.payload);
    });
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${this.#channel}; LISTEN ${API_KEY_CHANGES_CHANNEL}`);
    } catch (error) {
      if (this.#client === client) this.#client = null;
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    ready = true;
    this.#listening = true;
    this.#attempt = 0;
    this.#options.onState?.('listening');
  }

  #retry(): void {
    const schedule = this.#options.scheduleReconnect ?? defaultSchedule;
    const attempt = this.#attempt;
    this.#attempt += 1;
    schedule(() => {
      if (this.#closed) return;
      this.#connect().then(
        // Announcements sent while nobody listened here are gone: re-read what the waiters wait for.
        () => this.#listener?.resync(),
        (error: unknown) => {
          this.#options.log.warn(
            { err: error, attempt: attempt + 1 },
            'reconnecting LISTEN failed; will retry',
          );
          this.#retry();
        },
      );
    }, attempt);
  }
}
