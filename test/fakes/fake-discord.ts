/**
 * A stateful fake of Discord's REST API v10 on 127.0.0.1 (point `DISCORD_API_URL` at `url`):
 * create and edit channel messages as the bot (`Authorization: Bot <token>`), and execute / edit an
 * incoming webhook's messages (`webhookUrl`). It records every call, keeps the messages so a test
 * can read what reviewers see, and fails on demand.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface DiscordCall {
  method: string;
  path: string;
  /** The Authorization header (bot calls), or null (webhook calls). */
  auth: string | null;
  body: any;
}

export interface FakeDiscordMessage {
  id: string;
  channelId: string;
  content: string;
  embeds: any[];
  components: any[];
  allowedMentions: unknown;
  /** How many times it was edited. */
  edits: number;
  /** Posted through the webhook rather than by the bot. */
  viaWebhook: boolean;
}

export interface FakeDiscord {
  /** The API base without the version, as `DISCORD_API_URL` takes it: `http://127.0.0.1:1234/api`. */
  url: string;
  /** An incoming webhook URL on the fake (its messages land in `webhookChannelId`). */
  webhookUrl: string;
  webhookChannelId: string;
  token: string;
  calls: DiscordCall[];
  messages: Map<string, FakeDiscordMessage>;
  /** Channels that exist (others answer 404 Unknown Channel). */
  channels: Set<string>;
  /** Fails the next `times` calls with `status` (500: transient; 403/404: setup). */
  failNext(times: number, status: number): void;
  messagesIn(channelId: string): FakeDiscordMessage[];
  close(): Promise<void>;
}

const WEBHOOK_ID = '223456789012345678';
const WEBHOOK_TOKEN = 'webhook-secret-token';

export async function startFakeDiscord(
  token = 'fake-discord-bot-token',
  channels: string[] = [],
): Promise<FakeDiscord> {
  const calls: DiscordCall[] = [];
  const messages = new Map<string, FakeDiscordMessage>();
  const known = new Set(channels);
  const webhookChannelId = '323456789012345678';
  let failing = { times: 0, status: 500 };
  let counter = 0;

  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.use((req, res, next) => {
    calls.push({
      method: req.method,
      path: req.path,
      auth: req.get('authorization') ?? null,
      body: req.body,
    });
    if (failing.times > 0) {
      failing.times -= 1;
      return void res.status(failing.status).json({ message: 'failing on purpose', code: 0 });
    }
    next();
  });

  const create = (channelId: string, body: any, viaWebhook: boolean) => {
    counter += 1;
    const message: FakeDiscordMessage = {
      id: String(1_100_000_000_000_000_000n + BigInt(counter)),
      channelId,
      content: body.content ?? '',
      embeds: body.embeds ?? [],
      components: body.components ?? [],
      allowedMentions: body.allowed_mentions,
      edits: 0,
      viaWebhook,
    };
    messages.set(message.id, message);
    // Discord's order: the ids come after the content and embeds.
    return {
      type: 0,
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      id: message.id,
      channel_id: channelId,
    };
  };
  const edit = (message: FakeDiscordMessage, body: any) => {
    if (body.content !== undefined) message.content = body.content;
    if (body.embeds !== undefined) message.embeds = body.embeds;
    if (body.components !== undefined) message.components = body.components;
    message.allowedMentions = body.allowed_mentions;
    message.edits += 1;
    return { id: message.id, channel_id: message.channelId };
  };
  const bot: express.RequestHandler = (req, res, next) => {
    if (req.get('authorization') !== `Bot ${token}`)
      return void res.status(401).json({ message: '401: Unauthorized', code: 0 });
    if (!known.has(String(req.params.channel)))
      return void res.status(404).json({ message: 'Unknown Channel', code: 10003 });
    next();
  };

  app.post('/api/v10/channels/:channel/messages', bot, (req, res) => {
    res.json(create(String(req.params.channel), req.body, false));
  });
  app.patch('/api/v10/channels/:channel/messages/:id', bot, (req, res) => {
    const message = messages.get(String(req.params.id));
    if (!message || message.channelId !== req.params.channel) {
      return void res.status(404).json({ message: 'Unknown Message', code: 10008 });
    }
    res.json(edit(message, req.body));
  });
  app.post(`/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_TOKEN}`, (req, res) => {
    if (req.query.wait !== 'true') return void res.status(204).end();
    res.json(create(webhookChannelId, req.body, true));
  });
  app.patch(`/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_TOKEN}/messages/:id`, (req, res) => {
    const message = messages.get(String(req.params.id));
    if (!message?.viaWebhook) return void res.status(404).json({ message: 'Unknown Message', code: 10008 });
    res.json(edit(message, req.body));
  });
  app.use((_req, res) => void res.status(404).json({ message: '404: Not Found', code: 0 }));

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api`,
    webhookUrl: `http://127.0.0.1:${port}/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_TOKEN}`,
    webhookChannelId,
    token,
    calls,
    messages,
    channels: known,
    failNext(times, status) {
      failing = { times, status };
    },
    messagesIn: (channelId) => [...messages.values()].filter((m) => m.channelId === channelId),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
