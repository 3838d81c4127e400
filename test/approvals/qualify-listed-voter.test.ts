import { describe, expect, it } from 'vitest';
import { qualifyDiscordVoter } from '../../app/discord/qualify-discord-voter.js';
import { qualifyEmailVoter } from '../../app/email/qualify-email-voter.js';
import { qualifySlackVoter } from '../../app/slack/qualify-slack-voter.js';
import type { Requester, Requirement } from '../../sdk/schemas.js';

const requirement = (
  rule: string,
  approvers: Requirement['approvers'],
  allowRequester = false,
): Requirement => ({
  rule,
  approvers,
  count: 1,
  via: 'issue',
  timeout: null,
  notify: null,
  allowRequester,
});
const api: Requester = { type: 'api_key', name: 'agent' };
const actions: Requester = {
  type: 'github_actions',
  repository: 'acme/app',
  actor: 'alice@example.com',
  workflow: 'ci',
  workflowRef: 'acme/app/.github/workflows/ci.yml@refs/heads/main',
  jobWorkflowRef: 'acme/app/.github/workflows/ci.yml@refs/heads/main',
  ref: 'refs/heads/main',
  sha: 'a'.repeat(40),
  event: 'push',
  environment: null,
  runId: 1,
  pullRequest: null,
} as unknown as Requester;
const request = (context: Record<string, unknown> = {}, requester: Requester = api) => ({
  requester,
  context,
});

const FINANCE = requirement('finance', {
  email: ['Alice@Example.com', 'bob@example.com'],
  discord: ['200000000000000001'],
});
const SELF_OK = requirement('self-ok', { email: ['alice@example.com'] }, true);

describe('qualifyEmailVoter', () => {
  it.each([
    ['a listed address, in any case', request(), [FINANCE], ' ALICE@example.COM ', ['finance'], null],
    ['an address no rule lists', request(), [FINANCE], 'mallory@example.com', [], 'not_approver'],
    [
      'the delegator',
      request({ onBehalfOf: 'email:alice@example.com' }),
      [FINANCE],
      'alice@example.com',
      [],
      'requester',
    ],
    [
      'the delegator written without a prefix',
      request({ onBehalfOf: 'Alice@example.com' }),
      [FINANCE],
      'alice@example.com',
      [],
      'requester',
    ],
    [
      'the requester where the rule allows it',
      request({ onBehalfOf: 'email:alice@example.com' }),
      [FINANCE, SELF_OK],
      'alice@example.com',
      ['self-ok'],
      null,
    ],
    [
      'a Discord approver’s id used as an address',
      request(),
      [FINANCE],
      '200000000000000001',
      [],
      'not_approver',
    ],
  ] as const)('%s', (_label, req, requirements, address, qualifiesFor, refusal) => {
    expect(qualifyEmailVoter(req, requirements, address)).toEqual({ qualifiesFor, refusal });
  });

  it('refuses the Actions actor by address too', () => {
    expect(qualifyEmailVoter(request({}, actions), [FINANCE], 'alice@example.com').refusal).toBe('requester');
  });
});

describe('qualifyDiscordVoter', () => {
  const user = (id: string, bot = false) => ({ id, bot });
  it.each([
    ['a listed user', request(), user('200000000000000001'), ['finance'], null],
    ['a user no rule lists', request(), user('200000000000000009'), [], 'not_approver'],
    ['a bot, even a listed one', request(), user('200000000000000001', true), [], 'bot'],
    [
      'the delegator',
      request({ onBehalfOf: 'discord:200000000000000001' }),
      user('200000000000000001'),
      [],
      'requester',
    ],
  ] as const)('%s', (_label, req, voter, qualifiesFor, refusal) => {
    expect(qualifyDiscordVoter(req, [FINANCE], voter)).toEqual({ qualifiesFor, refusal });
  });

  it('does not let a Slack or email listing qualify a Discord user, nor the other way round', () => {
    const slackOnly = requirement('slack-only', { slack: ['200000000000000001'] });
    expect(qualifyDiscordVoter(request(), [slackOnly], user('200000000000000001')).refusal).toBe(
      'not_approver',
    );
    expect(qualifySlackVoter(request(), [FINANCE], '200000000000000001').refusal).toBe('not_approver');
  });
});
