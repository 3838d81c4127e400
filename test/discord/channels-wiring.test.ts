/** The composition root plugs in Discord (bot or webhook) and email from the environment alone. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../app/adapters/sqlite/sqlite-store.js';
import { type RunningServer, startServer } from '../../app/main.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/fake-discord.js';
import { type SmtpSink, startSmtpSink } from '../fakes/smtp-sink.js';
import { until } from '../helpers/until.js';
import { clickBody, makeDiscordSigner, signInteraction } from './discord-helpers.js';

const CHANNEL = '100000000000000001';
const ALICE = '200000000000000001';
const APP = '423456789012345678';
const TOKEN = `MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.${'x'.repeat(40)}`;
const ADMIN = 'admin-key-of-at-least-16-chars';

const dir = mkdtempSync(join(tmpdir(), 'agentgate-channels-wiring-'));
mkdirSync(join(dir, 'policies'));
writeFileSync(
  join(dir, 'policies', 'p.yaml'),
  `rules:
  - name: deploys
    if: { action: "deploy:*" }
    decision: route_to_human
    route:
      approvers: { discord: ["${ALICE}"], email: [oncall@example.com] }
`,
);
const running: RunningServer[] = [];
let discord: FakeDiscord;
let smtp: SmtpSink;
beforeAll(async () => {
  discord = await startFakeDiscord(TOKEN, [CHANNEL]);
  smtp = await startSmtpSink();
});
afterAll(async () => {
  for (const r of running) await r.server.close();
  await discord.close();
  await smtp.stop();
  rmSync(dir, { recursive: true, force: true });
});

const baseEnv = (name: string): NodeJS.ProcessEnv => ({
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: join(dir, `${name}.db`),
  AGENTGATE_POLICY_DIR: join(dir, 'policies'),
  ADMIN_API_KEY: ADMIN,
  LOG_LEVEL: 'silent',
});

async function createRequest(url: string, action: string) {
  const created = await fetch(`${url}/api/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action }),
  });
  expect(created.status).toBe(201);
  return ((await created.json()) as { id: string }).id;
}

describe('composition root', () => {
  it('plugs in the Discord bot with its buttons and email, and a click decides', async () => {
    const signer = makeDiscordSigner();
    const server = await startServer({
      ...baseEnv('bot'),
      DISCORD_BOT_TOKEN: TOKEN,
      DISCORD_APPLICATION_ID: APP,
      DISCORD_PUBLIC_KEY: signer.publicKeyHex,
      DISCORD_CHANNEL_ID: CHANNEL,
      DISCORD_API_URL: discord.url,
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'AgentGate <gate@example.com>',
      AGENTGATE_PUBLIC_URL: 'https://gate.example.com',
    });
    running.push(server);
    const url = `http://127.0.0.1:${server.address.port}`;
    const health = ((await (await fetch(`${url}/health`)).json()) as any).integrations;
    expect(health.discord).toEqual({ mode: 'bot', channel: CHANNEL, interactive: true });
    expect(health.email).toEqual({ decisionLinks: true });

    const id = await createRequest(url, 'deploy:prod');
    await until(() => discord.messagesIn(CHANNEL).find((m) => JSON.stringify(m.embeds).includes(id)));
    await until(() =>
      smtp.mailsTo('oncall@example.com').find((m) => m.parsed.headers.get('x-agentgate-request') === id),
    );
    const message = discord.messagesIn(CHANNEL).find((m) => JSON.stringify(m.embeds).includes(id));
    expect(message?.embeds[0].url).toBe(`https://gate.example.com/requests/${id}`);
    expect(message?.components).toHaveLength(1);

    const signed = signInteraction(
      signer.privateKey,
      clickBody(id, ALICE, 'approve', { applicationId: APP }),
      Date.now() / 1000,
    );
    const answer = await fetch(`${url}/api/discord/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed.headers },
      body: signed.body,
    });
    expect(answer.status).toBe(200);
    await until(() => message?.components.length === 0);
    await until(
      () =>
        smtp.mailsTo('oncall@example.com').filter((m) => m.parsed.headers.get('x-agentgate-request') === id)
          .length === 2,
    );
    const status = await fetch(`${url}/api/requests/${id}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(await status.json()).toMatchObject({ status: 'approved', decidedBy: `discord:${ALICE}` });
  });

  it('mails signed decision links that open a confirm page and decide only on its POST', async () => {
    const server = await startServer({
      ...baseEnv('links'),
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'AgentGate <gate@example.com>',
      AGENTGATE_PUBLIC_URL: 'https://gate.example.com',
      AGENTGATE_SECRET: 'a-console-secret-of-at-least-32-characters',
    });
    running.push(server);
    const url = `http://127.0.0.1:${server.address.port}`;
    const id = await createRequest(url, 'deploy:links');
    const mail = await until(() =>
      smtp.mailsTo('oncall@example.com').find((m) => m.parsed.headers.get('x-agentgate-request') === id),
    );
    const approve = /Approve: https:\/\/gate\.example\.com(\/d\/[\w.-]+)/.exec(mail.parsed.text ?? '')?.[1];
    expect(approve).toBeDefined();
    const statusOf = async () =>
      (
        (await (
          await fetch(`${url}/api/requests/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } })
        ).json()) as any
      ).status;

    const page = await fetch(`${url}${approve}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Confirm: Approve');
    expect(await statusOf()).toBe('pending'); // opening the link decided nothing

    const token = approve?.slice('/d/'.length) ?? '';
    const confirm = await fetch(`${url}${approve}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
      redirect: 'manual',
    });
    expect(confirm.status).toBeLessThan(400);
    expect(await statusOf()).toBe('approved');
    const decided = (await (
      await fetch(`${url}/api/requests/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as any;
    expect(decided.review.votes).toEqual([
      expect.objectContaining({ voter: 'email:oncall@example.com', source: 'email', decision: 'approve' }),
    ]);
    // Used once: the same link again changes nothing and says so.
    const again = await fetch(`${url}${approve}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
      redirect: 'manual',
    });
    expect(again.status).toBeGreaterThanOrEqual(400);
  });

  it('plugs in a post-only webhook mirror: no buttons, edited in place, interactions refused', async () => {
    const server = await startServer({
      ...baseEnv('webhook'),
      DISCORD_WEBHOOK_URL: discord.webhookUrl,
      AGENTGATE_WEBHOOK_ALLOW_PRIVATE: 'true', // the fake listens on 127.0.0.1
    });
    running.push(server);
    const url = `http://127.0.0.1:${server.address.port}`;
    const health = ((await (await fetch(`${url}/health`)).json()) as any).integrations;
    expect(health.discord).toEqual({ mode: 'webhook', channel: null, interactive: false });
    expect(health.email).toBeUndefined();

    const id = await createRequest(url, 'deploy:staging');
    const message = await until(() =>
      discord.messagesIn(discord.webhookChannelId).find((m) => JSON.stringify(m.embeds).includes(id)),
    );
    expect(message.viaWebhook).toBe(true);
    expect(message.components).toEqual([]);
    expect(message.allowedMentions).toEqual({ parse: [] });
    const cancelled = await fetch(`${url}/api/requests/${id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'not today' }),
    });
    expect(cancelled.status, await cancelled.clone().text()).toBe(200);
    await until(() => message.edits > 0);
    expect(JSON.stringify(message.embeds)).toContain('✖️ Cancelled');

    const click = await fetch(`${url}/api/discord/interactions`, { method: 'POST', body: '{}' });
    expect(click.status).toBe(404);
    expect(((await click.json()) as { error: string }).error).toMatch(/DISCORD_PUBLIC_KEY/);
  });

  it('will not post to a webhook on a private address unless outgoing webhooks may reach one', async () => {
    const server = await startServer({ ...baseEnv('ssrf'), DISCORD_WEBHOOK_URL: discord.webhookUrl });
    running.push(server);
    const url = `http://127.0.0.1:${server.address.port}`;
    const before = discord.calls.length;
    const id = await createRequest(url, 'deploy:ssrf');
    const store = await openSqliteStore({ path: join(dir, 'ssrf.db') });
    try {
      const job = await until(async () =>
        (await store.listJobs({ kind: 'discord.sync', limit: 10 })).find(
          (j) => j.payload.requestId === id && j.lastError !== null,
        ),
      );
      expect(job.lastError).toMatch(/refused to connect/);
      expect(job.lastError).not.toContain('webhook-secret-token');
    } finally {
      await store.close();
    }
    expect(discord.calls.length).toBe(before); // refused before connecting
  });
});
