/**
 * The console in GitHub mode, in Chromium: a request reviewed on a check run links to its console
 * page; people sign in with GitHub (the fake GitHub's OAuth endpoints) and their approve/deny is a
 * vote by their GitHub identity, qualified by the same rules as a comment or review: a stranger and
 * the person who delegated the task are refused with the reason, a maintainer's approval decides,
 * the check run completes, and the agent waiting on it continues.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, REPO, startHarness, until } from '../github/harness.js';
import { DESKTOP, launchChromium, screenshot } from './browser.js';

const POLICIES = {
  'deploys.yaml': `
rules:
  - name: production-deploys
    description: A maintainer approves production deploys, on the commit being deployed
    if: { action: "deploy:production" }
    decision: route_to_human
    route:
      approvers: { permission: maintain }
      count: 1
      via: check
`,
};

let browser: Browser;
let h: Harness;

beforeAll(async () => {
  browser = await launchChromium();
  h = await startHarness({ policies: POLICIES, console: {} });
  h.fake.setPermission(REPO, 'mona', 'maintain');
  h.fake.setPermission(REPO, 'walt', 'admin');
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** A new browser in which `login` signs in with GitHub from `path`, and lands back on it. */
async function signedInAs(login: string, path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: DESKTOP });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto(`${h.server.url}${path}`);
  await page.waitForURL(/\/login\?next=/);
  h.fake.signInAs(login);
  await page.click('#github-sign-in');
  await page.waitForURL(`${h.server.url}${path}`);
  await page.waitForSelector(`text=Signed in as GitHub ${login}`);
  return page;
}

async function vote(page: Page, button: 'approve' | 'deny'): Promise<string> {
  await page.click(`button.${button}`);
  await page.waitForSelector('#main .note[role=status]');
  return (await page.locator('#main .note[role=status]').textContent()) ?? '';
}

describe('the console in GitHub mode, in Chromium', { timeout: 60_000 }, () => {
  it('lets a qualified GitHub user decide a check-run request and refuses others with the reason', async () => {
    const sha = h.fake.commit(REPO, 'feature', { 'src/app.ts': 'export const v = 1;\n' });
    const created = await h.agent('POST', '/api/requests', {
      action: 'deploy:production',
      params: { service: 'checkout' },
      context: { sha, onBehalfOf: 'walt' },
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const run = await until(
      () => h.fake.checkRuns(REPO).find((r) => r.external_id === id && r.details_url),
      'the check run',
    );
    // The run's Details link is the request's console page (on the public URL; here the test server's).
    expect(run.details_url).toBe(`https://agentgate.example.com/requests/${id}`);
    const path = new URL(run.details_url as string).pathname;
    const waiting = h.agent('GET', `/api/requests/${id}/wait?timeout=60`);

    const stranger = await signedInAs('octocat', path);
    expect(await stranger.locator('#request-action').textContent()).toBe('deploy:production');
    // The page links back to where the request is reviewed on GitHub.
    expect(await stranger.locator(`a[href="${run.html_url}"]`).count()).toBe(1);
    expect(await vote(stranger, 'approve')).toContain(
      'Your approval was not counted: you are not one of the approvers of this request.',
    );
    await screenshot(stranger, 'console-github-refused-desktop');

    const delegator = await signedInAs('walt', path);
    expect(await vote(delegator, 'approve')).toContain(
      'Your approval was not counted: you requested this action (or delegated the task), and nobody approves their own request.',
    );
    expect((await h.agent('GET', `/api/requests/${id}`)).body.status).toBe('pending');

    const maintainer = await signedInAs('mona', path);
    expect(await vote(maintainer, 'approve')).toContain('Your vote decided it: approved.');
    const decided = await waiting;
    expect(decided.body).toMatchObject({ status: 'approved', decidedBy: 'github:mona' });
    expect(decided.body.review.votes).toEqual([
      expect.objectContaining({
        voter: 'github:mona',
        source: 'console',
        decision: 'approve',
        url: null,
      }),
    ]);
    await h.settled();
    const done = h.fake
      .checkRuns(REPO)
      .filter((r) => r.external_id === id)
      .at(-1);
    expect(done?.conclusion).toBe('success');
    // The refused attempts are in the audit trail, as refused votes from the console.
    const audit = (await h.admin('GET', `/api/requests/${id}/audit`)).body as Array<{
      eventType: string;
      actor: string;
    }>;
    expect(audit.filter((e) => e.eventType === 'vote_refused').map((e) => e.actor)).toEqual([
      'github:octocat',
      'github:walt',
    ]);
    for (const page of [stranger, delegator, maintainer]) await page.context().close();
  });

  it('refuses a sign-in callback that this browser did not start (OAuth state)', async () => {
    const page = await (await browser.newContext()).newPage();
    const res = await page.goto(`${h.server.url}/login/github/callback?code=abc&state=forged.x.y`);
    expect(res?.status()).toBe(403);
    expect(await page.locator('.note.bad').textContent()).toContain('could not be matched to this browser');
    await page.context().close();
  });
});
