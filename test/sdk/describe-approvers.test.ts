import { describe, expect, it } from 'vitest';
import { MARKDOWN } from '../../app/render/describe-approvers.js';
import { SLACK_MRKDWN } from '../../app/slack/slack-text.js';
import { describeApprovers, PLAIN_TEXT } from '../../sdk/describe-approvers.js';
import type { Approvers } from '../../sdk/schemas.js';

const cases: Array<[string, Approvers, { plain: string; markdown: string; slack: string }]> = [
  [
    'users, teams and a permission',
    { users: ['alice', '@bob'], teams: ['acme/finance'], permission: 'maintain' },
    {
      plain: 'alice, bob, members of acme/finance or anyone with maintain access or more',
      markdown: '@alice, @bob, members of @acme/finance or anyone with maintain access or more',
      slack: '@alice, @bob, members of @acme/finance or anyone with maintain access or more on GitHub',
    },
  ],
  [
    'admin, the highest permission',
    { permission: 'admin' },
    {
      plain: 'anyone with admin access',
      markdown: 'anyone with admin access',
      slack: 'anyone with admin access on GitHub',
    },
  ],
  [
    'read: collaborators only (anyone reads a public repository)',
    { permission: 'read' },
    {
      plain: 'any collaborator with read access or more',
      markdown: 'any collaborator with read access or more',
      slack: 'any collaborator with read access or more on GitHub',
    },
  ],
  [
    'Slack users only',
    { slack: ['U123ABC', 'U456DEF'] },
    {
      plain: 'U123ABC or U456DEF on Slack',
      markdown: '`U123ABC` or `U456DEF` on Slack',
      slack: '<@U123ABC> or <@U456DEF>',
    },
  ],
  [
    'both places, home first',
    { users: ['alice'], slack: ['U123ABC'] },
    {
      plain: 'alice on GitHub, or U123ABC on Slack',
      markdown: '@alice on GitHub, or `U123ABC` on Slack',
      slack: '<@U123ABC> on Slack, or @alice on GitHub',
    },
  ],
  [
    'nobody',
    {},
    {
      plain: 'nobody (the rule names no approvers)',
      markdown: 'nobody (the rule names no approvers)',
      slack: 'nobody (the rule names no approvers)',
    },
  ],
  [
    'names that would break the medium',
    { users: ['a|b'], teams: ['<!channel>'] },
    {
      plain: 'a|b or members of <!channel>',
      markdown: '@a\\|b or members of @\\<\\!channel\\>',
      slack: '@a|b or members of @&lt;!channel&gt; on GitHub',
    },
  ],
];

describe('describeApprovers: one wording, escaped per medium', () => {
  it.each(cases)('%s', (_name, approvers, expected) => {
    expect(describeApprovers(approvers)).toBe(expected.plain);
    expect(describeApprovers(approvers, PLAIN_TEXT)).toBe(expected.plain);
    expect(describeApprovers(approvers, MARKDOWN)).toBe(expected.markdown);
    expect(describeApprovers(approvers, SLACK_MRKDWN)).toBe(expected.slack);
  });
});
