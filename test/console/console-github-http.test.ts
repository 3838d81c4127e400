/**
 * "Sign in with GitHub" over plain HTTP against the fake GitHub's OAuth endpoints: the redirect
 * chain, a callback replayed elsewhere, a bot account (never votes), admin pages closed to GitHub users, and
 * GitHub failing to answer shown as "try again" rather than an error page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, REPO, startHarness } from '../github/harness.js';
import { ConsoleClient } from './console-client.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ console: {} });
  h.fake.setPermission(REPO, 'mona', 'maintain');
});
afterAll(async () => {
  await h?.close();
});

/** Follows the sign-in as a browser would: console → GitHub's authorize page → callback → `next`. */
async function signInWithGitHub(
  login: string,
  type = 'User',
): Promise<{ client: ConsoleClient; landed: Response }> {
  const client = new ConsoleClient(h.server.url);
  const start = await client.get('/login/github?next=%2F');
  expect(start.status).toBe(303);
  const authorize = new URL(start.headers.get('location') ?? '');
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${h.fake.url}/login/oauth/authorize`);
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${h.server.url}/login/github/callback`);
  h.fake.signInAs(login, type);
  const back = await fetch(authorize, { redirect: 'manual' });
  const callback = new URL(back.headers.get('location') ?? '');
  const landed = await client.get(`${callback.pathname}${callback.search}`);
  return { client, landed };
}

async function pending(): Promise<string> {
  const created = await h.agent('POST', '/api/requests', { action: 'send_email', params: { to: 'a@b.c' } });
  expect(created.status).toBe(201);
  return created.body.id;
}

describe('Sign in with GitHub', () => {
  it('signs a GitHub user in and back to the page they asked for', async () => {
    const { client, landed } = await signInWithGitHub('mona');
    expect(landed.status).toBe(303);
    expect(landed.headers.get('location')).toBe('/');
    const queue = await (await client.get('/')).text();
    expect(queue).toContain('Signed in as <strong>GitHub mona</strong>');
    expect(queue).toContain('Requests of the repositories you can read on GitHub.');
  });

  it('refuses a callback replayed in another browser, and admin pages to GitHub users', async () => {
    const client = new ConsoleClient(h.server.url);
    const start = await client.get('/login/github');
    h.fake.signInAs('mona');
    const back = new URL(
      (await fetch(start.headers.get('location') ?? '', { redirect: 'manual' })).headers.get('location') ??
        '',
    );
    expect((await client.get(`${back.pathname}${back.search}`)).status).toBe(303);
    const again = await new ConsoleClient(h.server.url).get(`${back.pathname}${back.search}`);
    expect(again.status).toBe(403); // another browser: the state is not its own

    const { client: mona } = await signInWithGitHub('mona');
    const keys = await mona.get('/keys');
    expect(keys.status).toBe(403);
    expect(await keys.text()).toContain('This page is for admins');
  });

  it('never lets a bot account decide', async () => {
    const id = await pending();
    const { client } = await signInWithGitHub('deploy-helper[bot]', 'Bot');
    const page = await (await client.get(`/requests/${id}`)).text();
    expect(page).toContain('bots never approve or deny requests');
    const res = await client.post(`/requests/${id}/decide`, {
      _csrf: ConsoleClient.csrfOf(page),
      decision: 'approve',
    });
    expect(res.status).toBe(403);
    expect((await h.agent('GET', `/api/requests/${id}`)).body.status).toBe('pending');
  });

  it('says "try again" when GitHub does not answer who may read or approve', async () => {
    const id = await pending();
    const { client } = await signInWithGitHub('walt');
    h.fake.failNext('GET', /\/collaborators\/walt\/permission$/, { status: 502, times: 5 });
    const res = await client.get(`/requests/${id}`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('GitHub did not say whether you can read acme/payments');
  });
});
