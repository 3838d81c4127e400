/**
 * What happens when GitHub misbehaves or webhooks go missing: GitHub down while requests arrive,
 * a creation GitHub performed but answered 5xx, repositories without the app, policy pushes (good,
 * bad, on other branches), and reconciliation of comments whose webhooks never came.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterLock } from '../../app/ports/cluster-lock.js';
import { policyFiles } from '../fakes/fake-github.js';
import { keyClient } from '../helpers/http.js';
import {
  commentPayload,
  example,
  type Harness,
  INSTALLATION_ID,
  pushPayload,
  REPO,
  startHarness,
  until,
} from './harness.js';

const routeDeploys = (count: number) => `
rules:
  - name: production-deploys
    if: { action: "deploy:production" }
    decision: route_to_human
    route:
      approvers: { permission: maintain }
      count: ${count}
`;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ policies: { 'deploy.yaml': routeDeploys(1) } });
  h.fake.setPermission(REPO, 'mona', 'maintain');
  h.fake.setPermission(REPO, 'max', 'admin');
  // A custom role whose base is maintain counts as maintain.
  h.fake.setPermission(REPO, 'rhea', 'release-manager', 'maintain');
});
afterAll(() => h.close());

const issuesFor = (id: string) =>
  h.fake.issues(REPO).filter((i) => i.body.includes(`agentgate:request:${id} `));

describe('GitHub unavailable', () => {
  it('stores and answers the request while GitHub fails, and opens its issue later, once', async () => {
    h.fake.failNext('POST', /\/issues$/, { status: 503, times: 2 });
    const res = await h.agent('POST', '/api/requests', { action: 'deploy:production' });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('pending');
    const issue = await until(() => issuesFor(res.body.id)[0], 'the issue after retries');
    await until(async () => (await h.agent('GET', `/api/requests/${res.body.id}`)).body.review.url);
    await h.settled();
    expect(issuesFor(res.body.id)).toHaveLength(1);
    expect(issue.labels).toEqual(['agentgate', 'agentgate:pending']);
  });

  it('never opens a second issue when GitHub created the first but answered 5xx', async () => {
    h.fake.failNext('POST', /\/issues$/, { status: 502, afterApplying: true });
    const res = await h.agent('POST', '/api/requests', { action: 'deploy:production' });
    expect(res.status).toBe(201);
    const url = await until(
      async () => (await h.agent('GET', `/api/requests/${res.body.id}`)).body.review.url,
      'the review URL',
    );
    await h.settled();
    const issues = issuesFor(res.body.id);
    expect(issues).toHaveLength(1);
    expect(url).toBe(`https://github.test/${REPO}/issues/${issues[0]?.number}`);
  });
});

describe('repositories without the app', () => {
  it('refuses a request for a repository where the app is not installed, naming it', async () => {
    h.fake.addRepo('acme/secret-plans', { installationId: null });
    const res = await h.admin('POST', '/api/requests', {
      action: 'deploy:production',
      context: { repository: 'acme/secret-plans' },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('not_installed');
    expect(res.body.error).toContain('acme/secret-plans');
  });

  it('refuses requests at once after the app is removed from a repository', async () => {
    h.fake.addRepo('acme/leaving', { installationId: INSTALLATION_ID });
    const body = { action: 'deploy:production', context: { repository: 'acme/leaving' } };
    expect((await h.admin('POST', '/api/requests', body)).status).toBe(201);

    h.fake.uninstall('acme/leaving');
    const removed = structuredClone(example('installation_repositories', (e) => e.action === 'removed'));
    removed.installation = { ...removed.installation, id: INSTALLATION_ID };
    removed.repositories_removed = [{ id: 9, name: 'leaving', full_name: 'acme/leaving', private: true }];
    expect((await h.deliver('installation_repositories', removed)).status).toBe(200);

    const refused = await h.admin('POST', '/api/requests', body);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'not_installed' });
  });

  it('refuses a key bound to such a repository, and accepts one bound to an installed repository', async () => {
    const refused = await h.admin('POST', '/api/api-keys', {
      name: 'bound',
      scopes: ['request:create'],
      repository: 'acme/nowhere',
    });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'not_installed' });
    expect(refused.body.error).toContain('acme/nowhere');
    const bound = await keyClient(h.server.url, h.server.adminKey, 'bound', ['request:create'], {
      repository: REPO,
    });
    const res = await bound.api('POST', '/api/requests', { action: 'deploy:production' });
    expect(res.status).toBe(201);
    expect(res.body.repository).toBe(REPO);
  });
});

describe('policies by commit', () => {
  it('applies a push to the default branch within seconds; other branches never change anything', async () => {
    const before = (await h.admin('GET', `/api/policies?repository=${REPO}`)).body.version;
    expect(before).toBe(h.fake.headOf(REPO));

    // An agent's branch says deploys are auto-approved: ignored.
    const branchSha = h.fake.commit(REPO, 'agent/sneaky', policyFiles({ 'deploy.yaml': autoApprove }));
    await h.deliver(
      'push',
      pushPayload(REPO, 'refs/heads/agent/sneaky', branchSha, ['policies/deploy.yaml']),
    );
    expect((await h.agent('POST', '/api/requests', { action: 'deploy:production' })).body.status).toBe(
      'pending',
    );

    // The default branch now needs two maintainers.
    const sha = h.fake.commit(REPO, 'main', policyFiles({ 'deploy.yaml': routeDeploys(2) }));
    const push = await h.deliver('push', pushPayload(REPO, 'refs/heads/main', sha, ['policies/deploy.yaml']));
    expect(push.status).toBe(200);
    const created = (await h.agent('POST', '/api/requests', { action: 'deploy:production' })).body;
    expect(created.policyDecision.policyVersion).toBe(sha);
    expect(created.review.requirements[0].count).toBe(2);
  });

  it('keeps the last good set when a push breaks the policies, and shows the error', async () => {
    const good = (await h.admin('GET', `/api/policies?repository=${REPO}`)).body.version;
    const bad = h.fake.commit(
      REPO,
      'main',
      policyFiles({ 'deploy.yaml': 'rules:\n  - name: broken\n    decision: maybe\n' }),
    );
    await h.deliver('push', pushPayload(REPO, 'refs/heads/main', bad, ['policies/deploy.yaml']));
    const shown = (await h.admin('GET', `/api/policies?repository=${REPO}`)).body;
    expect(shown.version).toBe(good);
    expect(shown.errors.length).toBeGreaterThan(0);
    expect(shown.errors[0].file).toBe('deploy.yaml');
    const created = (await h.agent('POST', '/api/requests', { action: 'deploy:production' })).body;
    expect(created.policyDecision.policyVersion).toBe(good);

    // Fixed again: back in force.
    const fixed = h.fake.commit(REPO, 'main', policyFiles({ 'deploy.yaml': routeDeploys(1) }));
    await h.deliver('push', pushPayload(REPO, 'refs/heads/main', fixed, ['policies/deploy.yaml']));
    const after = (await h.admin('GET', `/api/policies?repository=${REPO}`)).body;
    expect(after).toMatchObject({ version: fixed, errors: [] });
  });

  it("falls back to the owner's .github repository, then to the built-in default", async () => {
    h.fake.addRepo('acme/.github', { installationId: 42, policies: { 'org.yaml': autoApprove } });
    h.fake.addRepo('acme/website', { installationId: 42 });
    const org = (await h.admin('GET', '/api/policies?repository=acme/website')).body;
    expect(org.version).toBe(h.fake.headOf('acme/.github'));
    expect(org.source).toContain('acme/.github');

    h.fake.addRepo('solo/tool', { installationId: 7 });
    const builtin = (await h.admin('GET', '/api/policies?repository=solo/tool')).body;
    expect(builtin.version).toBe(h.fake.headOf('solo/tool'));
    expect(builtin.source).toContain('builtin');
    expect(builtin.rules).toEqual([]);
  });
});

const autoApprove = `
rules:
  - name: deploys-are-fine
    if: { action: "deploy:*" }
    decision: auto_approve
`;

describe('reconciliation', () => {
  it('counts a command whose webhook was missed, skips edited comments, and handles each comment once', async () => {
    const created = (await h.agent('POST', '/api/requests', { action: 'deploy:production' })).body;
    const url = await until(
      async () => (await h.agent('GET', `/api/requests/${created.id}`)).body.review.url,
    );
    const number = Number(url.split('/').pop());
    // Enough chatter for several pages of comments.
    for (let i = 0; i < 120; i += 1) h.fake.addComment(REPO, number, 'walt', `thinking out loud ${i}`);
    const edited = h.fake.addComment(REPO, number, 'max', 'LGTM');
    h.fake.editComment(REPO, number, edited.id, '/approve');
    // An edited comment never counts, even with its webhook... which only `created` would carry.
    const missed = h.fake.addComment(REPO, number, 'rhea', '/approve release notes checked');

    const reconciler = h.handle.reconciler;
    if (!reconciler) throw new Error('no reconciler');
    await reconciler.reconcileAll();
    const request = (await h.agent('GET', `/api/requests/${created.id}`)).body;
    expect(request).toMatchObject({ status: 'approved', decidedBy: 'github:rhea' });
    await until(() => missed.reactions.includes('+1'), 'a reaction to the recovered vote');
    expect(edited.reactions).toEqual([]);
    const pages = h.fake.calls.filter((c) => c.path === `/api/v3/repos/${REPO}/issues/${number}/comments`);
    expect(pages.length).toBeGreaterThanOrEqual(2);

    // The webhook arriving late now changes nothing.
    const late = await h.deliver('issue_comment', commentPayload(REPO, number, missed));
    expect(late.status).toBe(200);
    const audit = (await h.admin('GET', `/api/requests/${created.id}/audit`)).body;
    expect(audit.filter((e: any) => e.eventType === 'vote')).toHaveLength(1);
  });

  it('denies a pending request whose issue was closed while webhooks were lost', async () => {
    const created = (await h.agent('POST', '/api/requests', { action: 'deploy:production' })).body;
    const url = await until(
      async () => (await h.agent('GET', `/api/requests/${created.id}`)).body.review.url,
    );
    const number = Number(url.split('/').pop());
    h.fake.closeIssue(REPO, number, 'mona');
    await h.handle.reconciler?.reconcileAll();
    const request = (await h.agent('GET', `/api/requests/${created.id}`)).body;
    expect(request).toMatchObject({ status: 'denied', decidedBy: 'github:mona' });
  });

  it('runs by itself on a timer', async () => {
    const timed = await startHarness({
      policies: { 'deploy.yaml': routeDeploys(1) },
      reconcileIntervalMs: 100,
    });
    try {
      timed.fake.setPermission(REPO, 'mona', 'maintain');
      const created = (await timed.agent('POST', '/api/requests', { action: 'deploy:production' })).body;
      const url = await until(
        async () => (await timed.agent('GET', `/api/requests/${created.id}`)).body.review.url,
      );
      timed.fake.addComment(REPO, Number(url.split('/').pop()), 'mona', '/approve');
      await until(
        async () => (await timed.agent('GET', `/api/requests/${created.id}`)).body.status === 'approved',
        'the timer to recover the vote',
      );
    } finally {
      await timed.close();
    }
  });

  it('on a timer, skips its turn while another instance of the cluster reconciles', async () => {
    let othersHoldIt = true;
    const asked: { name: string; minIntervalMs: number | undefined }[] = [];
    const clusterLock: ClusterLock = {
      async tryRun(name, fn, options) {
        if (name === 'github-reconcile') asked.push({ name, minIntervalMs: options?.minIntervalMs });
        if (othersHoldIt && name === 'github-reconcile') return false;
        await fn();
        return true;
      },
    };
    const timed = await startHarness({
      policies: { 'deploy.yaml': routeDeploys(1) },
      reconcileIntervalMs: 100,
      clusterLock,
    });
    try {
      timed.fake.setPermission(REPO, 'mona', 'maintain');
      const created = (await timed.agent('POST', '/api/requests', { action: 'deploy:production' })).body;
      const url = await until(
        async () => (await timed.agent('GET', `/api/requests/${created.id}`)).body.review.url,
      );
      timed.fake.addComment(REPO, Number(url.split('/').pop()), 'mona', '/approve');
      const before = asked.length;
      await until(() => asked.length >= before + 2, 'two timer ticks');
      expect((await timed.agent('GET', `/api/requests/${created.id}`)).body.status).toBe('pending');
      expect(asked[0]).toEqual({ name: 'github-reconcile', minIntervalMs: 90 });
      othersHoldIt = false;
      await until(
        async () => (await timed.agent('GET', `/api/requests/${created.id}`)).body.status === 'approved',
        'the timer to recover the vote once the lock is free',
      );
    } finally {
      await timed.close();
    }
  });
});
