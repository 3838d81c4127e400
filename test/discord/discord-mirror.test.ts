import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordRestApi } from '../../app/adapters/discord-rest-api.js';
import { discordIntegration } from '../../app/discord/integration.js';
import { type FakeDiscord, type FakeDiscordMessage, startFakeDiscord } from '../fakes/fake-discord.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { clickBody, makeDiscordSigner, type SignedInteraction, signInteraction } from './discord-helpers.js';

const PAYMENTS_CHANNEL = '100000000000000001';
const DEFAULT_CHANNEL = '100000000000000002';
const ALICE = '200000000000000001';
const BOB = '200000000000000002';
const CAROL = '200000000000000003';
const ONCALL = '200000000000000004';
const MALLORY = '200000000000000666';
const APPLICATION_ID = '423456789012345678';

const POLICY = `
rules:
  - name: big-payments
    description: Payments over 1,000 need two people from finance
    if: { action: "payments.*" }
    decision: route_to_human
    route:
      approvers: { discord: ["${ALICE}", "${BOB}", "${CAROL}"] }
      count: 2
      notify: { discord: ["${PAYMENTS_CHANNEL}"] }
  - name: deploys
    description: Production deploys need one on-call engineer
    if: { action: "deploy:*" }
    decision: route_to_human
    route:
      approvers: { discord: ["${ONCALL}"], users: [octocat] }
      count: 1
  - name: reads
    if: { action: "read_*" }
    decision: auto_approve
`;

const signer = makeDiscordSigner();
let discord: FakeDiscord;
let t: TestServer;
let clock: ManualClock;
let admin: Api;
let agent: Api;

beforeAll(async () => {
  discord = await startFakeDiscord('discord-bot-token', [PAYMENTS_CHANNEL, DEFAULT_CHANNEL]);
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  t = await startTestServer({
    clock,
    policies: { 'p.yaml': POLICY },
    integrations: [
      discordIntegration({
        api: createDiscordRestApi({ token: discord.token, apiUrl: discord.url }),
        publicKey: signer.publicKeyHex,
        applicationId: APPLICATION_ID,
        channel: DEFAULT_CHANNEL,
        publicUrl: 'https://gate.example.com',
        baseDelayMs: 1000,
      }),
    ],
  });
  admin = apiClient(t.url, t.adminKey);
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create', 'request:read'])).api;
});
afterAll(async () => {
  await t.close();
  await discord.close();
});

async function settle() {
  for (let quiet = 0; quiet < 2; ) {
    await t.server.jobs.idle();
    quiet = (await t.server.jobs.runOnce()) === 0 ? quiet + 1 : 0;
  }
}

const now = () => clock.now().getTime() / 1000;
const click = (requestId: string, user: string, decision: 'approve' | 'deny', options = {}) =>
  signInteraction(signer.privateKey, clickBody(requestId, user, decision, options), now());

const send = (signed: SignedInteraction, headers = signed.headers) =>
  fetch(`${t.url}/api/discord/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: signed.body,
  });

const messageOf = (requestId: string): FakeDiscordMessage[] =>
  [...discord.messages.values()].filter((m) => JSON.stringify(m.embeds).includes(requestId));
const textOf = (message: FakeDiscordMessage | undefined) =>
  JSON.stringify({ content: message?.content, embeds: message?.embeds });
const buttonsOf = (message: FakeDiscordMessage | undefined) =>
  (message?.components ?? []).flatMap((row: any) => row.components.map((c: any) => c.custom_id));

describe('Discord mirror', () => {
  it('posts a human-routed request in its rule channel, edits the same message on each vote and on the decision', async () => {
    const { body: request } = await agent('POST', '/api/requests', {
      action: 'payments.transfer',
      params: { amount: 25000, currency: 'EUR' },
      urgency: 'high',
    });
    await settle();
    const posts = discord.calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.auth).toBe(`Bot ${discord.token}`);
    expect(posts[0]?.path).toBe(`/api/v10/channels/${PAYMENTS_CHANNEL}/messages`);
    const [message] = messageOf(request.id);
    expect(message?.channelId).toBe(PAYMENTS_CHANNEL);
    expect(message?.allowedMentions).toEqual({ parse: [] });
    expect(message?.content).toBe(
      '⏳ **Approval needed:** payments.transfer (high urgency, 0 of 2 approvals)',
    );
    const embed = message?.embeds[0];
    expect(embed.url).toBe(`https://gate.example.com/requests/${request.id}`);
    const text = textOf(message);
    for (const expected of [
      '"amount\\": 25000',
      '**big\\\\-payments** — Payments over 1,000 need two people from finance',
      `<@${ALICE}>, <@${BOB}> or <@${CAROL}>`,
      '0 of 2 approvals',
      '<t:',
      '🟠 High',
    ]) {
      expect(text).toContain(expected);
    }
    expect(buttonsOf(message)).toEqual([`agentgate:approve:${request.id}`, `agentgate:deny:${request.id}`]);
    const audit = (await admin('GET', `/api/requests/${request.id}/audit`)).body;
    expect(audit.find((e: { eventType: string }) => e.eventType === 'reflected')).toMatchObject({
      actor: 'discord',
      details: { via: 'discord', channel: PAYMENTS_CHANNEL, messageId: message?.id },
    });

    const first = await send(click(request.id, ALICE, 'approve'));
    expect(first.status).toBe(200);
    const updated = (await first.json()) as any;
    expect(updated.type).toBe(7); // UPDATE_MESSAGE: the clicked message shows the vote at once
    expect(JSON.stringify(updated.data.embeds)).toContain('1 of 2 approvals');
    await settle();
    expect(message?.edits).toBe(1);
    expect(textOf(message)).toContain(`Votes","value":"✅ <@${ALICE}>`);
    expect((await agent('GET', `/api/requests/${request.id}`)).body.status).toBe('pending');

    expect((await send(click(request.id, BOB, 'approve'))).status).toBe(200);
    await settle();
    const decided = (await agent('GET', `/api/requests/${request.id}`)).body;
    expect(decided).toMatchObject({ status: 'approved', decidedBy: `discord:${BOB}` });
    expect(decided.review.votes.map((v: any) => `${v.voter}/${v.source}`)).toEqual([
      `discord:${ALICE}/discord`,
      `discord:${BOB}/discord`,
    ]);
    expect(message?.edits).toBe(2);
    expect(textOf(message)).toContain('✅ Approved');
    expect(textOf(message)).toContain(`**Approved** by <@${BOB}>`);
    expect(buttonsOf(message)).toEqual([]);
    // One message, edited in place.
    expect(discord.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    for (const edit of discord.calls.filter((c) => c.method === 'PATCH')) {
      expect(edit.path).toBe(`/api/v10/channels/${PAYMENTS_CHANNEL}/messages/${message?.id}`);
    }
    const votes = (await admin('GET', `/api/requests/${request.id}/audit`)).body.filter(
      (e: { eventType: string }) => e.eventType === 'vote',
    );
    expect(votes.map((e: any) => [e.actor, e.details.source])).toEqual([
      [`discord:${ALICE}`, 'discord'],
      [`discord:${BOB}`, 'discord'],
    ]);
  });

  it('uses DISCORD_CHANNEL_ID for rules without notify.discord, and edits on decisions made elsewhere (API, expiry)', async () => {
    const byApi = (await agent('POST', '/api/requests', { action: 'deploy:prod' })).body;
    const expiring = (await agent('POST', '/api/requests', { action: 'deploy:staging', timeout: 60 })).body;
    await settle();
    const [apiMessage] = messageOf(byApi.id);
    const [expiryMessage] = messageOf(expiring.id);
    expect(apiMessage?.channelId).toBe(DEFAULT_CHANNEL);
    expect(textOf(apiMessage)).toContain(`<@${ONCALL}> on Discord, or octocat on GitHub`);

    await admin('POST', `/api/requests/${byApi.id}/decide`, {
      decision: 'denied',
      reason: 'Freeze until *Monday*',
    });
    clock.advance(61_000);
    await t.server.requests.expireDue();
    await settle();
    expect(textOf(apiMessage)).toContain('**Denied** by API key admin');
    expect(textOf(apiMessage)).toContain('> Freeze until \\\\*Monday\\\\*');
    expect(buttonsOf(apiMessage)).toEqual([]);
    expect(textOf(expiryMessage)).toContain('⏰ Expired');
    expect(buttonsOf(expiryMessage)).toEqual([]);
  });

  it('posts the message again when someone deleted it in Discord', async () => {
    const request = (await agent('POST', '/api/requests', { action: 'deploy:eu' })).body;
    await settle();
    const [first] = messageOf(request.id);
    discord.messages.delete(first?.id ?? '');
    await admin('POST', `/api/requests/${request.id}/cancel`, { reason: 'wrong region' });
    await settle();
    const [second] = messageOf(request.id);
    expect(second?.id).not.toBe(first?.id);
    expect(textOf(second)).toContain('✖️ Cancelled');
    const reflected = (await admin('GET', `/api/requests/${request.id}/audit`)).body.filter(
      (e: { eventType: string }) => e.eventType === 'reflected',
    );
    expect(reflected.map((e: any) => e.details.messageId)).toEqual([first?.id, second?.id]);
  });

  it('posts nothing for requests a policy decided', async () => {
    const before = discord.calls.length;
    await agent('POST', '/api/requests', { action: 'read_file' });
    await settle();
    expect(discord.calls.length).toBe(before);
  });

  it('shows hostile params as inert text: no mention, link, heading or code-block escape', async () => {
    const hostile = {
      note: '@everyone <@&999999999999999999> [click](https://evil.example) # HEADING ```\n**bold** ||spoiler||',
    };
    const created = (
      await agent('POST', '/api/requests', {
        action: 'payments.x@everyone',
        params: hostile,
        context: { onBehalfOf: '<@123456789012345678>' },
      })
    ).body;
    await settle();
    const [message] = messageOf(created.id);
    expect(message?.allowedMentions).toEqual({ parse: [] });
    // The action is escaped wherever it is shown.
    expect(message?.content).toContain('payments.x@\u200beveryone');
    const description: string = message?.embeds[0].description;
    // Params sit in one code block that their backticks cannot close.
    const fence = description.indexOf('```json\n');
    expect(fence).toBeGreaterThan(-1);
    const block = description.slice(fence + 8, description.lastIndexOf('\n```'));
    expect(block).not.toMatch(/```/);
    expect(block).toContain('`\u200b`\u200b`\u200b');
    expect(description.slice(description.lastIndexOf('\n```') + 4)).toBe('');
    // The delegator is shown as escaped text, not a mention.
    expect(textOf(message)).toContain('\\\\<@123456789012345678\\\\>');
  });

  it('retries a failed post from the durable queue without delaying the request, and posts once', async () => {
    discord.failNext(2, 500);
    const created = await agent('POST', '/api/requests', {
      action: 'payments.refund',
      params: { amount: 5000 },
    });
    expect(created.status).toBe(201);
    await settle();
    expect(messageOf(created.body.id)).toHaveLength(0);
    for (let i = 0; i < 3; i += 1) {
      clock.advance(10_000);
      await settle();
    }
    expect(messageOf(created.body.id)).toHaveLength(1);
    const job = (await t.store.listJobs({ kind: 'discord.sync', limit: 100 })).find(
      (j) => j.payload.requestId === created.body.id,
    );
    expect(job).toMatchObject({ status: 'done', attempts: 3 });
    const metrics = await (
      await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminKey}` } })
    ).text();
    expect(metrics).toMatch(/agentgate_discord_messages_total\{outcome="failed"\} [1-9]/);
  });

  it('gives up at once when Discord says the setup is wrong (unknown channel)', async () => {
    discord.channels.delete(PAYMENTS_CHANNEL);
    try {
      const created = (await agent('POST', '/api/requests', { action: 'payments.payroll' })).body;
      await settle();
      const job = (await t.store.listJobs({ kind: 'discord.sync', limit: 100 })).find(
        (j) => j.payload.requestId === created.id,
      );
      expect(job?.status).toBe('failed');
      expect(job?.lastError).toContain('404');
      expect(job?.lastError).not.toContain(discord.token);
      expect((await agent('GET', `/api/requests/${created.id}`)).body.status).toBe('pending');
    } finally {
      discord.channels.add(PAYMENTS_CHANNEL);
    }
  });
});

describe('Discord interactions', () => {
  it('answers PING with PONG', async () => {
    const answer = await send(
      signInteraction(signer.privateKey, JSON.stringify({ type: 1, id: '1' }), now()),
    );
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ type: 1 });
  });

  it('refuses a forged, tampered, stale (replayed) and unsigned click, and counts nothing', async () => {
    const request = (await agent('POST', '/api/requests', { action: 'payments.wire' })).body;
    await settle();
    const stranger = makeDiscordSigner();
    const forged = await send(
      signInteraction(stranger.privateKey, clickBody(request.id, ALICE, 'approve'), now()),
    );
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({
      code: 'unauthorized',
      error: 'The Discord signature does not match this request.',
    });

    const signed = click(request.id, ALICE, 'approve');
    expect((await send({ ...signed, body: signed.body.replace(ALICE, BOB) })).status).toBe(401);
    expect(
      (await send(signed, { ...signed.headers, 'x-signature-timestamp': String(Math.floor(now()) + 1) }))
        .status,
    ).toBe(401);

    const stale = await send(
      signInteraction(signer.privateKey, clickBody(request.id, ALICE, 'approve'), now() - 301),
    );
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: string }).error).toMatch(/five minutes/);
    clock.advance(301_000);
    expect((await send(signed)).status).toBe(401); // the same signed click, replayed too late

    const unsigned = await send(signed, {
      'x-signature-timestamp': signed.headers['x-signature-timestamp'] ?? '',
    });
    expect(unsigned.status).toBe(401);
    expect((await send(signed, { 'x-signature-ed25519': 'zz', 'x-signature-timestamp': '1' })).status).toBe(
      401,
    );

    expect((await agent('GET', `/api/requests/${request.id}`)).body.review.votes).toEqual([]);
  });

  it('refuses a signed body that is not JSON with 400, and a click for another application with 401', async () => {
    expect((await send(signInteraction(signer.privateKey, 'not json', now()))).status).toBe(400);
    const request = (await agent('POST', '/api/requests', { action: 'payments.misc' })).body;
    const other = click(request.id, ALICE, 'approve', { applicationId: '999999999999999999' });
    expect((await send(other)).status).toBe(401);
    expect((await agent('GET', `/api/requests/${request.id}`)).body.review.votes).toEqual([]);
  });

  it('counts a click from a direct message (the clicker under `user`), and refuses an oversized body unread', async () => {
    const request = (await agent('POST', '/api/requests', { action: 'payments.dm' })).body;
    const body = JSON.parse(clickBody(request.id, ALICE, 'approve'));
    body.user = body.member.user;
    delete body.member;
    const answer = await send(signInteraction(signer.privateKey, JSON.stringify(body), now()));
    expect(((await answer.json()) as { type: number }).type).toBe(7);
    expect((await agent('GET', `/api/requests/${request.id}`)).body.review.votes).toMatchObject([
      { voter: `discord:${ALICE}`, source: 'discord', decision: 'approve' },
    ]);

    const huge = signInteraction(
      signer.privateKey,
      JSON.stringify({ type: 1, pad: 'x'.repeat(300 * 1024) }),
      now(),
    );
    const refused = await send(huge);
    expect(refused.status).toBe(413);
  });

  it('answers an unqualified clicker with an ephemeral message naming who can decide', async () => {
    const request = (await agent('POST', '/api/requests', { action: 'payments.card' })).body;
    await settle();
    const answer = await send(click(request.id, MALLORY, 'approve'));
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      type: 4,
      data: {
        content: `You are not an approver for this request, so your vote was not counted. Who can decide:\n• **big\\-payments**: <@${ALICE}>, <@${BOB}> or <@${CAROL}>`,
        flags: 64,
        allowed_mentions: { parse: [] },
      },
    });
    const bot = (await (await send(click(request.id, ALICE, 'approve', { bot: true }))).json()) as any;
    expect(bot.data.content).toMatch(/^Bots cannot vote\./);
    expect(bot.data.flags).toBe(64);
    const current = (await agent('GET', `/api/requests/${request.id}`)).body;
    expect(current).toMatchObject({ status: 'pending' });
    expect(current.review.votes).toEqual([]);
    const audit = (await admin('GET', `/api/requests/${request.id}/audit`)).body;
    expect(audit.filter((e: { eventType: string }) => e.eventType === 'vote_refused')).toHaveLength(2);
  });

  it('refuses the person the request was made for; a qualified deny denies at once; a late vote is told so', async () => {
    const request = (
      await agent('POST', '/api/requests', {
        action: 'payments.bonus',
        context: { onBehalfOf: `discord:${CAROL}` },
      })
    ).body;
    await settle();
    const self = (await (await send(click(request.id, CAROL, 'approve'))).json()) as any;
    expect(self.data.content).toMatch(/you asked for it \(or it was made on your behalf\)/);
    expect(self.data.flags).toBe(64);

    const deny = (await (await send(click(request.id, ALICE, 'deny'))).json()) as any;
    expect(deny.type).toBe(7);
    await settle();
    expect((await agent('GET', `/api/requests/${request.id}`)).body).toMatchObject({
      status: 'denied',
      decidedBy: `discord:${ALICE}`,
    });
    const [message] = messageOf(request.id);
    expect(textOf(message)).toContain(`**Denied** by <@${ALICE}>`);
    expect(buttonsOf(message)).toEqual([]);

    const late = (await (await send(click(request.id, BOB, 'approve'))).json()) as any;
    expect(late.data).toMatchObject({
      content: `This request is already denied by <@${ALICE}>; your vote was not counted.`,
      flags: 64,
    });
  });
});
