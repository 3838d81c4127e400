/**
 * A stateful fake of the Slack Web API on 127.0.0.1 (point `SLACK_API_URL` / `slackApiUrl` at
 * `url`): `chat.postMessage`, `chat.update` and `chat.postEphemeral`, form-encoded with `blocks`
 * JSON-stringified inside the form, as `@slack/web-api` sends them. It records every call, keeps
 * the messages per channel so a test can read what a reviewer sees, and fails on demand.
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { SlackApi } from '../../app/slack/slack-api.js';

/** A Slack client that accepts everything and remembers nothing, for tests about something else. */
export const quietSlack: SlackApi = {
  postMessage: async () => ({ channelId: 'C1', ts: '1.1' }),
  update: async () => undefined,
  postEphemeral: async () => undefined,
};

export interface SlackCall {
  method: string;
  /** The bearer token the client sent. */
  token: string | null;
  /** The form fields, with `blocks` parsed. */
  body: Record<string, any>;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: any[];
  /** How many times chat.update replaced it. */
  updates: number;
}

/** `http500` and `ratelimited` are transient; any other string is answered as `{ok: false, error}`. */
export type SlackFailure = 'http500' | 'ratelimited' | (string & {});

export interface FakeSlack {
  /** The API base, e.g. `http://127.0.0.1:1234/api/`. */
  url: string;
  token: string;
  calls: SlackCall[];
  /** Messages by `channelId:ts`. */
  messages: Map<string, FakeMessage>;
  /** The id a channel name such as `#payments` gets (stable). */
  channelId(name: string): string;
  /** Fails the next `times` calls of `method`. */
  failNext(method: string, times: number, failure: SlackFailure): void;
  callsOf(method: string): SlackCall[];
  close(): Promise<void>;
}

export async function startFakeSlack(token = 'xoxb-fake-token'): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const messages = new Map<string, FakeMessage>();
  const failures = new Map<string, { times: number; failure: SlackFailure }>();
  let counter = 0;
  const channelId = (name: string) =>
    /^[CDG][A-Z0-9]+$/.test(name)
      ? name
      : `C${createHash('sha256').update(name).digest('hex').slice(0, 8).toUpperCase()}`;

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.post('/api/:method', (req, res) => {
    const method = String(req.params.method);
    const body: Record<string, any> = { ...req.body };
    if (typeof body.blocks === 'string') body.blocks = JSON.parse(body.blocks);
    const auth = req.get('authorization');
    calls.push({ method, token: auth?.replace(/^Bearer /, '') ?? null, body });

    const failing = failures.get(method);
    if (failing && failing.times > 0) {
      failing.times -= 1;
      if (failing.failure === 'http500') return void res.status(500).send('internal error');
      if (failing.failure === 'ratelimited') {
        return void res.status(429).set('retry-after', '1').json({ ok: false, error: 'ratelimited' });
      }
      return void res.json({ ok: false, error: failing.failure });
    }
    if (auth !== `Bearer ${token}`) return void res.json({ ok: false, error: 'invalid_auth' });

    switch (method) {
      case 'chat.postMessage': {
        if (!body.channel) return void res.json({ ok: false, error: 'channel_not_found' });
        counter += 1;
        const message: FakeMessage = {
          channel: channelId(body.channel),
          ts: `${1_767_000_000 + counter}.${String(counter).padStart(6, '0')}`,
          text: body.text ?? '',
          blocks: body.blocks ?? [],
          updates: 0,
        };
        messages.set(`${message.channel}:${message.ts}`, message);
        return void res.json({
          ok: true,
          channel: message.channel,
          ts: message.ts,
          message: { text: message.text },
        });
      }
      case 'chat.update': {
        const message = messages.get(`${body.channel}:${body.ts}`);
        if (!message) return void res.json({ ok: false, error: 'message_not_found' });
        message.text = body.text ?? '';
        message.blocks = body.blocks ?? [];
        message.updates += 1;
        return void res.json({ ok: true, channel: message.channel, ts: message.ts, text: message.text });
      }
      case 'chat.postEphemeral':
        if (!body.user || !body.channel) return void res.json({ ok: false, error: 'user_not_in_channel' });
        return void res.json({ ok: true, message_ts: `${1_767_100_000}.000001` });
      default:
        return void res.json({ ok: false, error: 'unknown_method' });
    }
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    token,
    calls,
    messages,
    channelId,
    failNext(method, times, failure) {
      failures.set(method, { times, failure });
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
