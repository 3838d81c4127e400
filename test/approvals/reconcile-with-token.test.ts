import { describe, expect, it } from 'vitest';
import { reconcileWithToken } from '../../app/approvals/reconcile-with-token.js';
import { anActionsRequester } from '../store/builders.js';

const TOKEN_SHA = 'f'.repeat(40);
const HEAD = 'a'.repeat(40);

const push = anActionsRequester({ event: 'push', sha: TOKEN_SHA });
const pr = anActionsRequester({
  event: 'pull_request',
  ref: 'refs/pull/7/merge',
  pullRequest: 7,
  sha: TOKEN_SHA,
});
const prTarget = anActionsRequester({ event: 'pull_request_target', sha: TOKEN_SHA });
const comment = anActionsRequester({ event: 'issue_comment', sha: TOKEN_SHA });
const noEvent = anActionsRequester({ event: null, sha: TOKEN_SHA });
const noSha = anActionsRequester({ event: 'push', sha: '' });

describe('reconcileWithToken: which commit a run may name', () => {
  it.each([
    ['push: fills in the run’s commit', push, {}, { sha: TOKEN_SHA }],
    [
      'push: accepts it in any case',
      push,
      { sha: TOKEN_SHA.toUpperCase() },
      { sha: TOKEN_SHA.toUpperCase() },
    ],
    [
      'pull_request: the PR’s head (the token names the merge commit), PR filled in',
      pr,
      { sha: HEAD },
      { sha: HEAD, pullRequest: 7 },
    ],
    [
      'pull_request_target: the PR’s head, the PR it names',
      prTarget,
      { sha: HEAD, pullRequest: 9 },
      { sha: HEAD, pullRequest: 9 },
    ],
    [
      'issue_comment: the PR’s head, the PR it names',
      comment,
      { sha: HEAD, pullRequest: 12 },
      { sha: HEAD, pullRequest: 12 },
    ],
    ['a token without event_name: checked like a push', noEvent, {}, { sha: TOKEN_SHA }],
    ['a token without sha: nothing to check or fill', noSha, { sha: HEAD }, { sha: HEAD }],
    [
      'an environment of null is no claim',
      push,
      { environment: null },
      { environment: null, sha: TOKEN_SHA },
    ],
  ])('%s', (_name, requester, context, expected) => {
    expect(reconcileWithToken(requester, context)).toEqual({ ok: true, context: expected });
  });

  it.each([
    ['push naming another commit', push, { sha: HEAD }, 'context.sha'],
    ['a token without event_name naming another commit', noEvent, { sha: HEAD }, 'context.sha'],
    ['pull_request naming another PR', pr, { pullRequest: 8 }, 'context.pullRequest'],
    ['pull_request naming no PR (null)', pr, { pullRequest: null }, 'context.pullRequest'],
    ['another repository', comment, { repository: 'evil/repo' }, 'context.repository'],
    ['another event', comment, { eventName: 'push' }, 'context.eventName'],
    ['another run', push, { runId: 1 }, 'context.runId'],
    ['an environment the token does not name', push, { environment: 'production' }, 'context.environment'],
  ])('refuses %s, naming the field', (_name, requester, context, field) => {
    const result = reconcileWithToken(requester, context);
    expect(result).toMatchObject({ ok: false, field });
    expect(result.ok ? '' : result.message).toMatch(new RegExp(`^${field.replace('.', '\\.')} `));
  });
});
