/**
 * Slack, Discord and email on one server: a request reaches every channel its rule names, a vote
 * from any of them counts toward the same quorum, and every channel shows the outcome.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordRestApi } from '../../app/adapters/discord-rest-api.js';
import { createSlackWebApi } from '../../app/adapters/slack-web-api.js';
import { createSmtpMailer } from '../../app/adapters/smtp-mailer.js';
import { discordIntegration } from '../../app/discord/integration.js';
import { emailIntegration } from '../../app/email/integration.js';
import { qualifyEmailVoter } from '../../app/email/qualify-email-voter.js';
import { renderVoteLines } from '../../app/render/vote-sources.js';
import { slackIntegration } from '../../app/slack/integration.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/fake-discord.js';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.js';
import { type SmtpSink, startSmtpSink } from '../fakes/smtp-sink.js';
import { type Api, keyClient } from '../helpers/http.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { clickBody, makeDiscordSigner, signInteraction } from './discord-helpers.js';

const CHANNEL = '100000000000000001';
const ALICE = '200000000000000001';
const SLACK_SECRET = 'slack-signing-secret-for-tests';
const POLICY = `
rules:
  - name: payments
    description: Payments need two people
    if: { action: "payments.*" }
    decision: route_to_human
    route:
      approvers: { discord: ["${ALICE}"], slack: [U0BOB], email: [carol@example.com] }
      count: 2
      notify: { slack: "#payments", discord: ["${CHANNEL}"], email: [carol@example.com] }
`;

const signer = makeDiscordSigner();
let discord: FakeDiscord;
let slack: FakeSlack;
let smtp: SmtpSink;
let clock: ManualClock;
let t: TestServer;
let agent: Api;

beforeAll(async () => {
  discord = await startFakeDiscord('discord-bot-token', [CHANNEL]);
  slack = await startFakeSlack();
  smtp = await startSmtpSink();
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const from = 'AgentGate <gate@example.com>';
  t = await startTestServer({
    clock,
    policies: { 'p.yaml': POLICY },
    integrations: [
      slackIntegration({
        api: createSlackWebApi({ token: slack.token, apiUrl: slack.url }),
        signingSecret: SLACK_SECRET,
        channel: null,
      }),
      discordIntegration({
        api: createDiscordRestApi({ token: discord.token, apiUrl: discord.url }),
        publicKey: signer.publicKeyHex,
        applicationId: null,
        channel: null,
        publicUrl: null,
      }),
      emailIntegration({
        mailer: createSmtpMailer({ settings: { smtp: { url: smtp.url, requireTLS: false }, from } }),
        from,
        publicUrl: null,
      }),
    ],
  });
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create', 'request:read'])).api;
});
afterAll(async () => {
  await t.close();
  await discord.close();
  await slack.close();
  await smtp.stop();
});

async function settle() {
  for (let quiet = 0; quiet < 2; ) {
    await t.server.jobs.idle();
    quiet = (await t.server.jobs.runOnce()) === 0 ? quiet + 1 : 0;
  }
}

function slackClick(requestId: string, user: string) {
  const payload = {
    type: 'block_actions',
    user: { id: user },
    channel: { id: 'C0PAY' },
    actions: [{ action_id: 'agentgate_approve', value: requestId }],
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = String(Math.floor(clock.now().getTime() / 1000));
  const signature = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return fetch(`${t.url}/api/slack/interactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
    body,
  });
}

const discordClick = (requestId: string, user: string, decision: 'approve' | 'deny') => {
  const signed = signInteraction(
    signer.privateKey,
    clickBody(requestId, user, decision),
    clock.now().getTime() / 1000,
  );
  return fetch(`${t.url}/api/discord/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed.headers },
    body: signed.body,
  });
};

const discordMessage = (id: string) =>
  [...discord.messages.values()].find((m) => JSON.stringify(m.embeds).includes(id));
const slackMessage = (id: string) =>
  [...slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(id));
const mailsAbout = (id: string) =>
  smtp.mailsTo('carol@example.com').filter((m) => m.parsed.headers.get('x-agentgate-request') === id);

describe('Slack, Discord and email together', () => {
  it('reaches every channel; a Slack vote and a Discord click make the quorum; every channel shows the outcome', async () => {
    const request = (
      await agent('POST', '/api/requests', { action: 'payments.transfer', params: { amount: 10 } })
    ).body;
    await settle();
    expect(discordMessage(request.id)).toBeDefined();
    expect(slackMessage(request.id)).toBeDefined();
    expect(mailsAbout(request.id)).toHaveLength(1);

    expect((await slackClick(request.id, 'U0BOB')).status).toBe(200);
    await settle();
    expect(JSON.stringify(discordMessage(request.id)?.embeds)).toContain('✅ Slack user U0BOB');
    expect(JSON.stringify(discordMessage(request.id)?.embeds)).toContain('1 of 2 approvals');

    expect((await discordClick(request.id, ALICE, 'approve')).status).toBe(200);
    await settle();
    const decided = (await agent('GET', `/api/requests/${request.id}`)).body;
    expect(decided).toMatchObject({ status: 'approved', decidedBy: `discord:${ALICE}` });
    expect(JSON.stringify(discordMessage(request.id)?.embeds)).toContain(`**Approved** by <@${ALICE}>`);
    expect(JSON.stringify(slackMessage(request.id)?.blocks)).toContain(`*Approved* by Discord user ${ALICE}`);
    const [first, followUp] = mailsAbout(request.id).map((m) => m.parsed);
    expect(followUp?.inReplyTo).toBe(first?.messageId);
    expect(followUp?.text).toContain(`was approved by Discord user ${ALICE}`);
    expect(followUp?.text).toContain('approved by Slack user U0BOB (slack)');

    // GitHub's issue and check run list the votes with where they came from.
    expect(renderVoteLines(decided.review.votes)).toEqual([
      '- ✅ approved by Slack user `U0BOB` — Slack, 2026-01-01 12:00 UTC',
      `- ✅ approved by Discord user \`${ALICE}\` — **Approve** button on Discord, 2026-01-01 12:00 UTC`,
    ]);
  });

  it('a qualified email vote (as the console casts it) counts like any other and every channel shows it', async () => {
    const request = (await agent('POST', '/api/requests', { action: 'payments.refund' })).body;
    await settle();
    const current = (await t.store.getRequest(request.id))!;
    const { qualifiesFor } = qualifyEmailVoter(
      current,
      current.review?.requirements ?? [],
      'Carol@Example.com',
    );
    const { outcome } = await t.server.votes.castVote(request.id, {
      voter: 'email:carol@example.com',
      decision: 'deny',
      reason: null,
      source: 'email',
      qualifiesFor,
    });
    expect(outcome).toBe('denied'); // one qualified deny denies at once
    await settle();
    expect(JSON.stringify(discordMessage(request.id)?.embeds)).toContain('**Denied** by carol@example.com');
    expect(discordMessage(request.id)?.components).toEqual([]);
    expect(JSON.stringify(slackMessage(request.id)?.blocks)).toContain('*Denied* by carol@example.com');
    expect(mailsAbout(request.id)[1]?.parsed.text).toContain('was denied by carol@example.com');
    const decided = (await agent('GET', `/api/requests/${request.id}`)).body;
    expect(renderVoteLines(decided.review.votes)[0]).toBe(
      '- ❌ denied by `carol@example.com` — decision link in an email, 2026-01-01 12:00 UTC',
    );
  });
});
