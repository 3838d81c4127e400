/**
 * The committed bundle, run as the runner runs it, against the real server with a local OIDC
 * issuer: the job's token comes from a fake `ACTIONS_ID_TOKEN_REQUEST_URL`, as on a runner with
 * `permissions: id-token: write`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, keyClient } from '../helpers/http.js';
import { actionsClaims, type OidcIssuer, startOidcIssuer } from '../helpers/oidc-issuer.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { inputEnv, runAction, runEnv, startAction } from './run-action.js';

const POLICIES = {
  'main.yaml': `
rules:
  - name: reads-are-safe
    if: { action: "read_*" }
    decision: auto_approve
  - name: never-drop-prod
    if: { action: "db.drop*" }
    decision: auto_deny
    reason: Agents never drop production databases
  - name: deploys-need-a-maintainer
    if: { action: "deploy*" }
    decision: route_to_human
    route: { approvers: { users: [alice], permission: maintain }, count: 1, via: issue, timeout: 4h }
defaults:
  decision: route_to_human
  route: { approvers: { permission: write }, count: 1, via: issue }
`,
};

let issuer: OidcIssuer;
let t: TestServer;
let admin: ReturnType<typeof apiClient>;
let run = 100;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  t = await startTestServer({ oidc: { issuer: issuer.issuer }, policies: POLICIES, sweepIntervalMs: 100 });
  admin = apiClient(t.url, t.adminKey);
});
afterAll(async () => {
  await t.close();
  await issuer.close();
});

/** A fresh workflow run (its own run id, so requests never collide across tests). */
function aRun(inputs: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  run += 1;
  issuer.runClaims = actionsClaims({ run_id: String(run), run_attempt: extra.GITHUB_RUN_ATTEMPT ?? '1' });
  return {
    ...runEnv({ GITHUB_RUN_ID: String(run) }),
    ACTIONS_ID_TOKEN_REQUEST_URL: issuer.tokenRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.tokenRequestToken,
    ...inputEnv({ 'server-url': t.url, ...inputs }),
    ...extra,
  };
}

/** Starts the action and resolves with it and its request id once it is waiting. */
async function startWaiting(inputs: Record<string, string>, extra: Record<string, string> = {}) {
  const action = startAction(aRun(inputs, extra));
  await action.waitForOutput(/It expires at/);
  const id = /AgentGate request (req_\S+) /.exec(action.stdout())?.[1];
  if (!id) throw new Error(`no request id in:\n${action.stdout()}`);
  return { action, id };
}

describe('the Action, run as a process with the job OIDC token', () => {
  it('approved: prints where to review and who can approve, sets outputs, writes the summary, exits 0', async () => {
    const { action, id } = await startWaiting({
      action: 'deploy:production',
      params: 'version: 1.4.2\nregion: eu-west-1',
      context: '{"ticket": "OPS-12"}',
      urgency: 'high',
    });
    expect(action.stdout()).toContain('Who can approve:');
    expect(action.stdout()).toContain('1 approval from alice or anyone with maintain access or more');
    expect(action.stdout()).toContain(`Review it at ${t.url}/requests/${id}`);

    const decided = await admin('POST', `/api/requests/${id}/decide`, {
      decision: 'approved',
      reason: 'ship it',
    });
    expect(decided.status).toBe(200);
    expect(await action.exited).toBe(0);

    expect(action.outputs()).toEqual({
      'request-id': id,
      status: 'approved',
      'decided-by': 'api:admin',
      reason: 'ship it',
      url: `${t.url}/requests/${id}`,
      sha: 'b'.repeat(40),
    });
    const summary = action.summary();
    // The admin key decided it outright: an operator override, and the summary says so.
    expect(summary).toContain('AgentGate: deploy:production — approved by operator override');
    expect(summary).toMatch(/\| Decision \| ✅ \*\*approved by operator override\*\* \|/);
    expect(summary).toMatch(
      /\| Approvals \| 0 of 1 approval — skipped by an operator override through the AgentGate API \|/,
    );
    expect(action.stdout()).toContain(
      `Request ${id} was approved by api:admin (an operator override through the AgentGate API, with 0 of 1 approval the policy asks for): ship it.`,
    );
    expect(summary).toMatch(/\| Decided by \| api:admin \|/);
    expect(summary).toMatch(/\| Reason \| ship it \|/);
    expect(summary).toContain(`(${t.url}/requests/${id})`);

    const request = (await admin('GET', `/api/requests/${id}`)).body;
    expect(request.repository).toBe('acme/app');
    expect(request.requester).toMatchObject({ type: 'github_actions', actor: 'octocat', runId: String(run) });
    expect(request.params).toEqual({ version: '1.4.2', region: 'eu-west-1' });
    expect(request.urgency).toBe('high');
    expect(request.context).toMatchObject({
      repository: 'acme/app',
      workflow: 'Deploy',
      runId: String(run),
      runAttempt: '1',
      job: 'deploy',
      sha: 'b'.repeat(40),
      ref: 'refs/heads/main',
      actor: 'octocat',
      runUrl: `https://github.com/acme/app/actions/runs/${run}/attempts/1`,
      ticket: 'OPS-12',
    });
    expect(issuer.tokenRequests).toContain('agentgate');
  });

  it('denied: the step fails (exit 1) saying who denied it and why', async () => {
    const { action, id } = await startWaiting({ action: 'deploy:staging' });
    await admin('POST', `/api/requests/${id}/decide`, { decision: 'denied', reason: 'freeze until Monday' });
    expect(await action.exited).toBe(1);
    expect(action.stdout()).toContain(
      `::error::Request ${id} (deploy:staging) was denied by api:admin (an operator override through the AgentGate API, with 0 of 1 approval the policy asks for): freeze until Monday.`,
    );
    expect(action.outputs()).toMatchObject({
      status: 'denied',
      'decided-by': 'api:admin',
      reason: 'freeze until Monday',
    });
    expect(action.summary()).toMatch(/\| Decision \| ❌ \*\*denied by operator override\*\* \|/);
  });

  it('denied with fail-on-denied: false passes, and later steps read the status', async () => {
    const { action, id } = await startWaiting({ action: 'deploy:canary', 'fail-on-denied': 'false' });
    await admin('POST', `/api/requests/${id}/decide`, { decision: 'denied', reason: 'not now' });
    expect(await action.exited).toBe(0);
    expect(action.outputs()).toMatchObject({ status: 'denied', reason: 'not now' });
    expect(action.stdout()).toMatch(/::warning::Request \S+ was denied; the step passes/);
  });

  it('expired: the step fails when nobody decides before the timeout', async () => {
    const result = await runAction(aRun({ action: 'deploy:nightly', timeout: '1' }));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::Request \S+ \(deploy:nightly\) was expired by system:expiry/);
    expect(result.outputs).toMatchObject({ status: 'expired', 'decided-by': 'system:expiry' });
  });

  it('a policy decision needs no wait: auto-approved passes, auto-denied fails with the rule reason', async () => {
    const approved = await runAction(aRun({ action: 'read_logs' }));
    expect(approved.code).toBe(0);
    expect(approved.outputs).toMatchObject({ status: 'approved', 'decided-by': 'policy' });
    const denied = await runAction(aRun({ action: 'db.drop_table', wait: 'false' }));
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/was denied by policy: Agents never drop production databases/);
  });

  it('wait: false returns at once with status=pending and the request id; the request stays pending', async () => {
    const result = await runAction(aRun({ action: 'deploy:later', wait: 'false' }));
    expect(result.code).toBe(0);
    expect(result.outputs.status).toBe('pending');
    expect(result.outputs['request-id']).toMatch(/^req_/);
    expect(result.summary).toContain('⏳ pending');
    expect((await admin('GET', `/api/requests/${result.outputs['request-id']}`)).body.status).toBe('pending');
  });

  it('SIGTERM while waiting (the workflow is cancelled) cancels the request', async () => {
    const { action, id } = await startWaiting({ action: 'deploy:cancel-me' });
    action.child.kill('SIGTERM');
    expect(await action.exited).toBe(1);
    const request = (await admin('GET', `/api/requests/${id}`)).body;
    expect(request).toMatchObject({ status: 'cancelled', decidedBy: 'github-actions:acme/app' });
    expect(request.decisionReason).toBe('The workflow run was cancelled.');
    expect(action.stdout()).toContain(`Request ${id} cancelled.`);
    expect(action.outputs()).toMatchObject({ 'request-id': id, status: 'cancelled' });
  });

  it('the post step cancels a request whose main step was killed while waiting', async () => {
    const env = aRun({ action: 'deploy:killed' });
    const main = startAction(env);
    await main.waitForOutput(/It expires at/);
    main.child.kill('SIGKILL');
    await main.exited;
    const state = main.state();
    expect(state).toMatchObject({ isPost: 'true', waiting: 'true' });
    const id = state.requestId as string;
    expect((await admin('GET', `/api/requests/${id}`)).body.status).toBe('pending');

    const stateEnv = Object.fromEntries(
      Object.entries(state).map(([name, value]) => [`STATE_${name}`, value]),
    );
    const post = await runAction({ ...env, ...stateEnv });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`Cancelled request ${id}`);
    expect((await admin('GET', `/api/requests/${id}`)).body.status).toBe('cancelled');
  });

  it('the post step leaves alone what the main step finished or chose not to wait for', async () => {
    const result = await runAction(aRun({ action: 'deploy:no-wait', wait: 'false' }));
    const env = aRun({ action: 'deploy:no-wait', wait: 'false' });
    const stateEnv = Object.fromEntries(Object.entries(result.state).map(([n, v]) => [`STATE_${n}`, v]));
    const post = await runAction({ ...env, ...stateEnv });
    expect(post.code).toBe(0);
    expect((await admin('GET', `/api/requests/${result.outputs['request-id']}`)).body.status).toBe('pending');
  });

  it('a re-run of the same job attempt reuses its request; a new attempt asks anew', async () => {
    const env = aRun({ action: 'deploy:rerun', params: '{"version": "2.0.0"}', wait: 'false' });
    const first = await runAction(env);
    const again = await runAction(env);
    expect(first.code).toBe(0);
    expect(again.outputs['request-id']).toBe(first.outputs['request-id']);

    issuer.runClaims = actionsClaims({ run_id: String(run), run_attempt: '2' });
    const nextAttempt = await runAction({ ...env, GITHUB_RUN_ATTEMPT: '2' });
    expect(nextAttempt.outputs['request-id']).toMatch(/^req_/);
    expect(nextAttempt.outputs['request-id']).not.toBe(first.outputs['request-id']);
  });

  it('an api-key input is used instead of the OIDC token', async () => {
    const { key } = await keyClient(t.url, t.adminKey, 'ci-agent', ['request:create']);
    const env = aRun({ action: 'deploy:with-key', wait: 'false', 'api-key': key });
    delete env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const result = await runAction(env);
    expect(result.code).toBe(0);
    const request = (await admin('GET', `/api/requests/${result.outputs['request-id']}`)).body;
    expect(request.requester).toEqual({ type: 'api_key', name: 'ci-agent' });
    expect(result.stdout).toContain(`::add-mask::${key}`);
  });
});

describe('the Action tells what to fix', () => {
  it('without id-token permission (no token URL) it says to add "permissions: id-token: write"', async () => {
    const env = aRun({ action: 'deploy' });
    delete env.ACTIONS_ID_TOKEN_REQUEST_URL;
    delete env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    const result = await runAction(env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /::error::Could not get the job's OIDC token.*permissions: id-token: write/,
    );
  });

  it('asks GitHub for the audience the server announces in /health; a token for another audience is refused', async () => {
    const strict = await startTestServer({
      oidc: { issuer: issuer.issuer, audience: 'https://gate.acme.dev' },
    });
    try {
      const asked = issuer.tokenRequests.length;
      const ok = await runAction({
        ...aRun({ action: 'deploy', wait: 'false' }),
        'INPUT_SERVER-URL': strict.url,
      });
      expect(ok.code).toBe(0);
      expect(issuer.tokenRequests.slice(asked)).toEqual(['https://gate.acme.dev']);

      // The `audience` input wins: here another server's, which this one refuses.
      const other = await runAction({
        ...aRun({ action: 'deploy', audience: 'https://gate.other.dev' }),
        'INPUT_SERVER-URL': strict.url,
      });
      expect(other.code).toBe(1);
      expect(issuer.tokenRequests.at(-1)).toBe('https://gate.other.dev');
      expect(other.stdout).toMatch(
        /::error::.*OIDC token was refused: its audience is not "https:\/\/gate\.acme\.dev"/,
      );
    } finally {
      await strict.close();
    }
  });

  it('refuses a plain-http server URL off this machine before sending anything', async () => {
    const asked = issuer.tokenRequests.length;
    const result = await runAction(aRun({ action: 'deploy', 'server-url': 'http://agentgate.acme.dev' }));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '::error::Input "server-url" must use https:// (got "http://agentgate.acme.dev"): the job\'s token would cross the network in clear text.',
    );
    expect(issuer.tokenRequests.length).toBe(asked);
  });

  it('a server that trusts another issuer refuses the token (its keys do not sign it)', async () => {
    const other = await startOidcIssuer();
    const foreign = await startTestServer({ oidc: { issuer: other.issuer } });
    try {
      const result = await runAction({ ...aRun({ action: 'deploy' }), 'INPUT_SERVER-URL': foreign.url });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /::error::.*OIDC token was refused: it is signed with a key \(kid\) that the issuer does not publish/,
      );
    } finally {
      await foreign.close();
      await other.close();
    }
  });

  it.each([
    [{ params: '[1, 2]' }, /Input "params" must be a JSON object or a YAML mapping/],
    [{ urgency: 'asap' }, /Input "urgency" must be one of low, normal, high, critical/],
    [{ timeout: 'soon' }, /Input "timeout" must be seconds or a duration/],
    [{ wait: 'yes' }, /Input "wait" must be true or false/],
    [{ 'server-url': 'agentgate.example.com' }, /Input "server-url" must be a URL/],
  ])('bad input %o fails before anything is sent', async (inputs, message) => {
    const result = await runAction(aRun({ action: 'deploy', ...inputs }));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(message);
  });
});
