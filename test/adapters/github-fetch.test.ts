/**
 * The fetch every GitHub call goes through: conditional GETs (a 304 answered with the stored body,
 * so Octokit never sees it), the count by outcome, and its bounds. Against a scripted `fetch`.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createGitHubFetch } from '../../app/adapters/github/github-fetch.js';

interface Seen {
  method: string;
  url: string;
  ifNoneMatch: string | null;
}

/** A GitHub that answers each URL with `bodies[url]` and its ETag, and 304 when the ETag matches. */
function scriptedGitHub(bodies: Record<string, { body: string; link?: string }>) {
  const seen: Seen[] = [];
  const send = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    const headers = new Headers(init.headers);
    const method = init.method ?? 'GET';
    seen.push({ method, url, ifNoneMatch: headers.get('if-none-match') });
    if (url.includes('/down')) return new Response('{"message":"Server Error"}', { status: 502 });
    if (url.includes('/unreachable')) throw new TypeError('fetch failed');
    if (method !== 'GET') return new Response('{"id":1}', { status: 201 });
    const answer = bodies[url];
    if (!answer) return new Response('{"message":"Not Found"}', { status: 404 });
    const etag = `W/"${createHash('sha256').update(answer.body).digest('hex').slice(0, 16)}"`;
    if (headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers: { etag } });
    return new Response(answer.body, {
      status: 200,
      headers: { etag, 'content-type': 'application/json', ...(answer.link && { link: answer.link }) },
    });
  };
  return { send: send as typeof fetch, seen, bodies };
}

const API = 'https://api.github.test';

describe('createGitHubFetch', () => {
  it('sends the ETag of the last answer; a 304 is answered with that body, as a 200, and counted apart', async () => {
    const github = scriptedGitHub({ [`${API}/repos/a/b/issues/1`]: { body: '{"number":1,"comments":0}' } });
    const { fetch, calls } = createGitHubFetch({ fetch: github.send });
    const first = await fetch(`${API}/repos/a/b/issues/1`, {
      method: 'GET',
      headers: { accept: 'application/json' },
    });
    expect([first.status, await first.json()]).toEqual([200, { number: 1, comments: 0 }]);
    const again = await fetch(`${API}/repos/a/b/issues/1`, {
      method: 'GET',
      headers: { accept: 'application/json' },
    });
    expect(again.status).toBe(200);
    expect(again.url).toBe(`${API}/repos/a/b/issues/1`); // Octokit's pagination reads it
    expect(await again.json()).toEqual({ number: 1, comments: 0 });
    expect(github.seen.map((s) => s.ifNoneMatch)).toEqual([null, expect.stringMatching(/^W\//)]);
    expect(calls()).toEqual({ counted: 1, not_modified: 1, error: 0 });

    // Changed on GitHub: a full answer again, counted, and stored in its turn.
    github.bodies[`${API}/repos/a/b/issues/1`] = { body: '{"number":1,"comments":1}' };
    const changed = await fetch(`${API}/repos/a/b/issues/1`, {
      method: 'GET',
      headers: { accept: 'application/json' },
    });
    expect(await changed.json()).toEqual({ number: 1, comments: 1 });
    expect(calls()).toEqual({ counted: 2, not_modified: 1, error: 0 });
  });

  it('keeps an answer per media type', async () => {
    const github = scriptedGitHub({ [`${API}/x`]: { body: '{"a":1}' } });
    const { fetch } = createGitHubFetch({ fetch: github.send });
    await fetch(`${API}/x`, { method: 'GET', headers: { accept: 'application/json' } });
    await fetch(`${API}/x`, { method: 'GET', headers: { accept: 'application/vnd.github.raw' } });
    expect(github.seen.map((s) => s.ifNoneMatch)).toEqual([null, null]);
  });

  it('never makes a write conditional, and counts errors and unreachable GitHub as errors', async () => {
    const github = scriptedGitHub({});
    const { fetch, calls } = createGitHubFetch({ fetch: github.send });
    expect((await fetch(`${API}/repos/a/b/issues`, { method: 'POST', body: '{}' })).status).toBe(201);
    expect((await fetch(`${API}/down`, { method: 'GET' })).status).toBe(502);
    expect((await fetch(`${API}/missing`, { method: 'GET' })).status).toBe(404);
    await expect(fetch(`${API}/unreachable`, { method: 'GET' })).rejects.toThrow('fetch failed');
    expect(github.seen.every((s) => s.ifNoneMatch === null)).toBe(true);
    expect(calls()).toEqual({ counted: 1, not_modified: 0, error: 3 });
  });

  it('never trusts a 304 for a full last page: a new item would open a page its Link does not name', async () => {
    const full = JSON.stringify([{ id: 1 }, { id: 2 }]);
    const github = scriptedGitHub({
      [`${API}/c?per_page=2`]: { body: full },
      [`${API}/c?per_page=3`]: { body: full },
    });
    const { fetch } = createGitHubFetch({ fetch: github.send });
    for (let i = 0; i < 2; i += 1) {
      await fetch(`${API}/c?per_page=2`, { method: 'GET' });
      await fetch(`${API}/c?per_page=3`, { method: 'GET' });
    }
    const conditional = github.seen.map(
      (s) => `${s.url.split('?')[1]} ${s.ifNoneMatch ? 'if-none-match' : '-'}`,
    );
    expect(conditional).toEqual(['per_page=2 -', 'per_page=3 -', 'per_page=2 -', 'per_page=3 if-none-match']);
  });

  it('is bounded in entries and in the size of what it keeps', async () => {
    const github = scriptedGitHub({
      [`${API}/1`]: { body: `"${'a'.repeat(60)}"` },
      [`${API}/2`]: { body: `"${'b'.repeat(60)}"` },
    });
    const { fetch } = createGitHubFetch({ fetch: github.send, maxTotalChars: 100 });
    for (const path of ['/1', '/2', '/1', '/2']) await fetch(`${API}${path}`, { method: 'GET' });
    // Only one of the two fits: each read evicted the other, so none was conditional.
    expect(github.seen.map((s) => s.ifNoneMatch)).toEqual([null, null, null, null]);
  });
});
