/**
 * Issue #13 item 9: a delivery with a valid signature but a payload its event never has (`{}`, no
 * `repository`, no `issue`…) is a 400 naming what is wrong, never a 500 with an exception's text.
 * Payloads are real `@octokit/webhooks-examples` ones, mutated, signed as GitHub signs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commentPayload, example, type Harness, pushPayload, REPO, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const comment = () =>
  commentPayload(REPO, 1, {
    id: 7,
    body: '/approve',
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    user: { login: 'alice', type: 'User' },
  } as never);

const without = (payload: any, path: string) => {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let at = payload;
  for (const key of keys) at = at[key];
  delete at[last];
  return payload;
};

const CASES: Array<[string, string, () => unknown, RegExp]> = [
  ['an empty object', 'issue_comment', () => ({}), /action/],
  ['no repository', 'issue_comment', () => without(comment(), 'repository'), /repository/],
  ['no issue', 'issue_comment', () => without(comment(), 'issue'), /issue/],
  ['an issue without a number', 'issue_comment', () => without(comment(), 'issue.number'), /issue\.number/],
  [
    'a comment whose body is a number',
    'issue_comment',
    () => ({ ...comment(), comment: { id: 1, body: 5, user: null } }),
    /comment\.body/,
  ],
  [
    'a closed issue without a sender',
    'issues',
    () => without({ ...example('issues'), action: 'closed' }, 'sender'),
    /sender/,
  ],
  [
    'a button click without a check run id',
    'check_run',
    () =>
      without(
        example('check_run', (e) => e.action === 'requested_action'),
        'check_run.id',
      ),
    /check_run\.id/,
  ],
  [
    'a review without its pull request',
    'pull_request_review',
    () =>
      without(
        example('pull_request_review', (e) => e.action === 'submitted'),
        'pull_request',
      ),
    /pull_request/,
  ],
  [
    'a push without commits',
    'push',
    () => without(pushPayload(REPO, 'refs/heads/main', 'a'.repeat(40), []), 'commits'),
    /commits/,
  ],
  ['an empty push', 'push', () => ({}), /ref/],
  [
    'a repository name that is not owner/name',
    'issues',
    () => ({ ...example('issues'), repository: { full_name: 'x', name: 'x' } }),
    /full_name/,
  ],
  ['an array', 'issue_comment', () => [], /must be a JSON object/],
  ['a string', 'pull_request', () => 'hello', /must be a JSON object/],
];

describe('signed but malformed GitHub payloads', () => {
  it.each(CASES)('%s (%s) is a 400 naming the problem', async (_name, event, build, names) => {
    const res = await h.deliver(event, build());
    expect(res.status).toBe(400);
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({ code: 'bad_request', error: expect.stringMatching(names) });
    expect(body.error).not.toMatch(/TypeError|Cannot read/);
  });

  it('a body that is not JSON at all, signed, is a 400', async () => {
    const { sign } = await import('@octokit/webhooks-methods');
    const { WEBHOOK_SECRET } = await import('./harness.js');
    const res = await fetch(`${h.server.url}/api/github/webhooks`, {
      method: 'POST',
      body: '{"action":',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issue_comment',
        'x-github-delivery': 'not-json-1',
        'x-hub-signature-256': await sign(WEBHOOK_SECRET, '{"action":'),
      },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'bad_request',
      error: expect.stringMatching(/not valid JSON/),
    });
  });

  it('an empty body (which @octokit/webhooks cannot even verify) is a 400, not a 500', async () => {
    const res = await fetch(`${h.server.url}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issue_comment',
        'x-github-delivery': 'empty-1',
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'bad_request',
      error: expect.stringMatching(/signature/),
    });
  });

  it('still takes well-formed deliveries, and acknowledges events it does not handle', async () => {
    const fine = comment();
    fine.comment.body = 'just a comment';
    expect((await h.deliver('issue_comment', fine)).status).toBe(200);
    expect((await h.deliver('star', {})).status).toBe(200);
    expect((await h.deliver('issues', { ...example('issues'), action: 'labeled' })).status).toBe(200);
  });
});
