import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackWebApi } from '../../app/adapters/slack-web-api.js';
import { slackIntegration } from '../../app/slack/integration.js';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const SIGNING_SECRET = 'slack-signing-secret-for-tests';
const POLICY = `
rules:
  - name: big-payments
    description: Payments over 1,000 need two people from finance
    if: { action: "payments.*" }
    decision: route_to_human
    route:
      approvers: { slack: [U0ALICE, U0BOB, U0CAROL] }
      count: 2
      notify: { slack: "#payments" }
  - name: deploys
    description: Production deploys need one on-call engineer
    if: { action: "deploy:*" }
    decision: route_to_human
    route:
      approvers: { slack: [U0ONCALL] }
      count: 1
  - name: reads
    if: { action: "read_*" }
    decision: auto_approve
`;

let slack: FakeSlack;
let t: TestServer;
let clock: ManualClock;
let admin: Api;
let agent: Api;

beforeAll(async () => {
  slack = await startFakeSlack();
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  t = await startTestServer({
    clock,
    policies: { 'p.yaml': POLICY },
    integrations: [
      slackIntegration({
        api: createSlackWebApi({ token: slack.token, apiUrl: slack.url }),
        signingSecret: SIGNING_SECRET,
        channel: '#approvals',
        baseDelayMs: 1000,
      }),
    ],
  });
  admin = apiClient(t.url, t.adminKey);
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create', 'request:read'])).api;
});
afterAll(async () => {
  await t.close();
  await slack.close();
});

async function settle() {
  for (let quiet = 0; quiet < 2; ) {
    await t.server.jobs.idle();
    quiet = (await t.server.jobs.runOnce()) === 0 ? quiet + 1 : 0;
  }
}

/** A button click as Slack sends it: form-encoded `payload`, signed with the signing secret. */
function click(
  requestId: string,
  user: string,
  decision: 'approve' | 'deny',
  { secret = SIGNING_SECRET, at = clock.now().getTime() / 1000, channel = 'C0CHANNEL' } = {},
) {
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase() },
    channel: { id: channel },
    message: { ts: '1767000001.000001' },
    response_url: 'https://hooks.slack.com/actions/T0/1/x',
    actions: [
      {
        action_id: `agentgate_${decision}`,
        block_id: 'agentgate_decision',
        value: requestId,
        type: 'button',
      },
    ],
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = String(Math.floor(at));
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { body, headers: { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature } };
}

const send = (signed: { body: string; headers: Record<string, string> }, headers = signed.headers) =>
  fetch(`${t.url}/api/slack/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: signed.body,
  });

const messageOf = (requestId: string) =>
  [...slack.messages.values()].filter((m) => m.blocks.some((b) => JSON.stringify(b).includes(requestId)));
const textOf = (blocks: unknown[]) => JSON.stringify(blocks);

describe('Slack mirror', () => {
  it('posts a human-routed request in its rule channel, updates the same message on each vote and on the decision', async () => {
    const { body: request } = await agent('POST', '/api/requests', {
      action: 'payments.transfer',
      params: { amount: 25000, currency: 'EUR' },
      urgency: 'high',
    });
    await settle();
    const posts = slack.callsOf('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.token).toBe(slack.token);
    expect(posts[0]?.body.channel).toBe('#payments');
    const [message] = messageOf(request.id);
    expect(message?.channel).toBe(slack.channelId('#payments'));
    const text = textOf(message?.blocks ?? []);
    for (const expected of [
      'Approval needed: payments.transfer',
      ':large_orange_circle: High',
      '\\"amount\\": 25000',
      '*big-payments* — Payments over 1,000 need two people from finance',
      '<@U0ALICE>, <@U0BOB> or <@U0CAROL>',
      '0 of 2 approvals',
      '<!date^',
      'agentgate_approve',
      'agentgate_deny',
    ]) {
      expect(text).toContain(expected);
    }
    expect(message?.text).toBe('Approval needed: payments.transfer (high urgency, 0 of 2 approvals)');
    const audit = (await admin('GET', `/api/requests/${request.id}/audit`)).body;
    expect(audit.find((e: { eventType: string }) => e.eventType === 'reflected')).toMatchObject({
      actor: 'slack',
      details: { via: 'slack', channel: '#payments', ts: message?.ts },
    });

    expect((await send(click(request.id, 'U0ALICE', 'approve'))).status).toBe(200);
    await settle();
    expect(message?.updates).toBe(1);
    expect(textOf(message?.blocks ?? [])).toContain('1 of 2 approvals');
    expect(textOf(message?.blocks ?? [])).toContain('Votes: :white_check_mark: <@U0ALICE>');
    expect((await agent('GET', `/api/requests/${request.id}`)).body.status).toBe('pending');

    expect((await send(click(request.id, 'U0BOB', 'approve'))).status).toBe(200);
    await settle();
    const decided = (await agent('GET', `/api/requests/${request.id}`)).body;
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'slack:U0BOB' });
    expect(
      decided.review.votes.map((v: { voter: string; source: string }) => `${v.voter}/${v.source}`),
    ).toEqual(['slack:U0ALICE/slack', 'slack:U0BOB/slack']);
    expect(message?.updates).toBe(2);
    const final = textOf(message?.blocks ?? []);
    expect(final).toContain(':white_check_mark: Approved: payments.transfer');
    expect(final).toContain('*Approved* by <@U0BOB>');
    expect(final).not.toContain('agentgate_approve');
    // One message, updated in place: same channel and ts every time.
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    for (const update of slack.callsOf('chat.update')) {
      expect(update.body).toMatchObject({ channel: message?.channel, ts: message?.ts });
    }
  });

  it('uses SLACK_CHANNEL for rules without notify.slack, and updates on decisions made elsewhere (API, expiry)', async () => {
    const byApi = (await agent('POST', '/api/requests', { action: 'deploy:prod' })).body;
    const expiring = (await agent('POST', '/api/requests', { action: 'deploy:staging', timeout: 60 })).body;
    await settle();
    const [apiMessage] = messageOf(byApi.id);
    const [expiryMessage] = messageOf(expiring.id);
    expect(apiMessage?.channel).toBe(slack.channelId('#approvals'));

    await admin('POST', `/api/requests/${byApi.id}/decide`, {
      decision: 'denied',
      reason: 'Freeze until Monday',
    });
    clock.advance(61_000);
    await t.server.requests.expireDue();
    await settle();
    expect(textOf(apiMessage?.blocks ?? [])).toContain('*Denied* by API key `admin`');
    expect(textOf(apiMessage?.blocks ?? [])).toContain('> Freeze until Monday');
    expect(textOf(expiryMessage?.blocks ?? [])).toContain(':alarm_clock: Expired: deploy:staging');
    expect(textOf(expiryMessage?.blocks ?? [])).not.toContain('agentgate_deny');
  });

  it('posts nothing for requests a policy decided', async () => {
    const before = slack.calls.length;
    await agent('POST', '/api/requests', { action: 'read_file' });
    await settle();
    expect(slack.calls.length).toBe(before);
  });

  it('retries a failed post from the durable queue without delaying the request, and posts once', async () => {
    slack.failNext('chat.postMessage', 2, 'http500');
    // Answered while Slack fails: the post is a queued job, not part of the request.
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
    const attempts = slack
      .callsOf('chat.postMessage')
      .filter((c) => JSON.stringify(c.body.blocks ?? []).includes(created.body.id));
    expect(attempts).toHaveLength(3); // two answered 500, the third posted the one message
    const job = (await t.store.listJobs({ kind: 'slack.sync', limit: 100 })).find(
      (j) => j.payload.requestId === created.body.id,
    );
    expect(job).toMatchObject({ status: 'done', attempts: 3 });
  });

  it('gives up at once when Slack says the setup is wrong (the channel does not exist)', async () => {
    slack.failNext('chat.postMessage', 1, 'channel_not_found');
    const created = (await agent('POST', '/api/requests', { action: 'payments.payroll' })).body;
    await settle();
    const job = (await t.store.listJobs({ kind: 'slack.sync', limit: 100 })).find(
      (j) => j.payload.requestId === created.id,
    );
    expect(job?.status).toBe('failed');
    expect(job?.lastError).toContain('channel_not_found');
    expect((await agent('GET', `/api/requests/${created.id}`)).body.status).toBe('pending');
  });
});

describe('Slack buttons', () => {
  it('refuses a forged, a stale (replayed) and an unsigned click, and counts nothing', async () => {
    const request = (await agent('POST', '/api/requests', { action: 'payments.wire' })).body;
    await settle();
    const forged = await send(click(request.id, 'U0ALICE', 'approve', { secret: 'not-the-signing-secret' }));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({
      code: 'unauthorized',
      error: 'The Slack signature does not match this request.',
    });

    const signed = click(request.id, 'U0ALICE', 'approve');
    const tampered = await send({ ...signed, body: signed.body.replace('U0ALICE', 'U0BOB') });
    expect(tampered.status).toBe(401);

    const stale = await send(
      click(request.id, 'U0ALICE', 'approve', { at: clock.now().getTime() / 1000 - 301 }),
    );
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: string }).error).toMatch(/five minutes/);
    // The same signed click replayed after the window.
    clock.advance(301_000);
    expect((await send(signed)).status).toBe(401);

    const unsigned = await send(signed, {
      'x-slack-request-timestamp': signed.headers['x-slack-request-timestamp'] ?? '',
    });
    expect(unsigned.status).toBe(401);

    const current = (await agent('GET', `/api/requests/${request.id}`)).body;
    expect(current.review.votes).toEqual([]);
  });

  it('refuses a signed body that is not a Slack payload with 400', async () => {
    const body = 'payload=not-json';
    const timestamp = String(Math.floor(clock.now().getTime() / 1000));
    const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const answer = await send({
      body,
      headers: { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
    });
    expect(answer.status).toBe(400);
  });

  it('answers an unqualified clicker with an ephemeral message naming who can approve', async () => {
    const request = (await agent('POST', '/api/requests', { action: 'payments.card' })).body;
    await settle();
    const before = slack.callsOf('chat.postEphemeral').length;
    expect((await send(click(request.id, 'U0MALLORY', 'approve', { channel: 'C0PAY' }))).status).toBe(200);
    await until(() => slack.callsOf('chat.postEphemeral').length > before);
    const ephemeral = slack.callsOf('chat.postEphemeral').at(-1);
    expect(ephemeral?.body).toMatchObject({ channel: 'C0PAY', user: 'U0MALLORY' });
    expect(ephemeral?.body.text).toBe(
      'You are not an approver for this request, so your vote was not counted. Who can approve:\n• *big-payments*: <@U0ALICE>, <@U0BOB> or <@U0CAROL>',
    );
    const current = (await agent('GET', `/api/requests/${request.id}`)).body;
    expect(current).toMatchObject({ status: 'pending' });
    expect(current.review.votes).toEqual([]);
    const audit = (await admin('GET', `/api/requests/${request.id}/audit`)).body;
    expect(audit.map((e: { eventType: string }) => e.eventType)).toContain('vote_refused');
  });

  it('refuses the person the request was made for, and a vote on a decided request', async () => {
    const request = (
      await agent('POST', '/api/requests', {
        action: 'payments.bonus',
        context: { onBehalfOf: 'slack:U0CAROL' },
      })
    ).body;
    await settle();
    await send(click(request.id, 'U0CAROL', 'approve'));
    await until(() => slack.callsOf('chat.postEphemeral').at(-1)?.body.user === 'U0CAROL');
    expect(slack.callsOf('chat.postEphemeral').at(-1)?.body.text).toMatch(
      /you asked for it \(or it was made on your behalf\)/,
    );

    await send(click(request.id, 'U0ALICE', 'deny'));
    await settle();
    expect((await agent('GET', `/api/requests/${request.id}`)).body).toMatchObject({
      status: 'denied',
      decidedBy: 'slack:U0ALICE',
    });
    await send(click(request.id, 'U0BOB', 'approve'));
    await until(() => slack.callsOf('chat.postEphemeral').at(-1)?.body.user === 'U0BOB');
    expect(slack.callsOf('chat.postEphemeral').at(-1)?.body.text).toBe(
      'This request is already denied by <@U0ALICE>; your vote was not counted.',
    );
  });
});
