import { describe, expect, it } from 'vitest';
import { renderReopenComment } from '../../app/render/reopen-comment.js';
import { aRequestRecord, aReview } from '../store/builders.js';

const request = aRequestRecord({
  id: 'req_01JREOPEN',
  action: 'deploy:production',
  repository: 'acme/site',
  review: aReview({
    requirements: [
      {
        rule: 'production-deploys',
        approvers: { users: ['alice', 'weird`name'], teams: ['acme/sre'], permission: 'maintain' },
        count: 2,
        via: 'issue',
        timeout: null,
        notify: null,
        allowRequester: false,
        approvedBy: ['github:alice'],
      },
    ],
  }),
});

describe('renderReopenComment', () => {
  it.each([
    ['not_approver', 'walt', null],
    ['requester', 'dana', null],
    ['bot', 'stale[bot]', null],
    ['commit', 'mona', '3f786850e387550fdab836ed7e6dc881de23001b'],
  ] as const)('%s', (refusal, login, commitId) => {
    const body = renderReopenComment(request, { eventId: 42, login, commitId, refusal });
    expect(body.startsWith('<!-- agentgate:reopened:42 -->\n')).toBe(true);
    // Nobody is notified: names are code spans, and a backtick cannot end one early.
    expect(body).not.toMatch(/@\w/);
    expect(body).toContain('`weirdname`');
    expect(body).toMatchSnapshot();
  });
});
