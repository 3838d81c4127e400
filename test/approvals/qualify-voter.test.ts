import { describe, expect, it } from 'vitest';
import {
  effectivePermission,
  factsNeeded,
  needsCollaboratorCheck,
  qualifyVoter,
  type VoterFacts,
} from '../../app/approvals/qualify-voter.js';
import type { Requirement } from '../../sdk/schemas.js';

const req = (rule: string, approvers: Requirement['approvers'], allowRequester = false): Requirement => ({
  rule,
  approvers,
  count: 1,
  via: 'issue',
  timeout: null,
  notify: null,
  allowRequester,
});
const facts = (login: string, over: Partial<VoterFacts> = {}): VoterFacts => ({
  login,
  isBot: false,
  permission: null,
  activeTeams: new Set(),
  collaborator: null,
  ...over,
});
const request = { requester: { type: 'api_key' as const, name: 'agent' }, context: { onBehalfOf: 'dana' } };

describe('qualifyVoter', () => {
  const requirements = [
    req('finance', { users: ['Alice'], teams: ['acme/finance'] }),
    req('maintainers', { permission: 'maintain' }),
    req('slack-only', { slack: ['U1'] }),
  ];

  it.each([
    ['a listed user, case-insensitively', facts('alice'), ['finance'], null],
    ['an active team member', facts('bob', { activeTeams: new Set(['acme/finance']) }), ['finance'], null],
    ['admin meets a maintain minimum', facts('carl', { permission: 'admin' }), ['maintainers'], null],
    ['write does not meet maintain', facts('carl', { permission: 'write' }), [], 'not_approver'],
    [
      'a listed maintainer qualifies for both',
      facts('alice', { permission: 'maintain' }),
      ['finance', 'maintainers'],
      null,
    ],
    ['a bot never', facts('alice', { isBot: true, permission: 'admin' }), [], 'bot'],
    ['the delegator never', facts('Dana', { permission: 'admin' }), [], 'requester'],
    ['a stranger', facts('eve'), [], 'not_approver'],
  ])('%s', (_name, voter, qualifiesFor, refusal) => {
    expect(qualifyVoter(request, requirements, voter)).toEqual({ qualifiesFor, refusal });
  });

  describe('permission: read (GitHub answers read for anyone on a public repository)', () => {
    const readers = [req('readers', { permission: 'read' }), req('triagers', { permission: 'triage' })];
    it.each([
      [
        'a stranger with read (not a collaborator)',
        facts('eve', { permission: 'read', collaborator: false }),
        [],
      ],
      ['read, collaborator status not looked up', facts('eve', { permission: 'read' }), []],
      ['a collaborator with read', facts('rita', { permission: 'read', collaborator: true }), ['readers']],
      // Triage and above are granted, never implied by visibility: no collaborator check needed.
      ['triage', facts('tom', { permission: 'triage' }), ['readers', 'triagers']],
    ] as const)('%s', (_name, voter, qualifiesFor) => {
      expect(qualifyVoter(request, readers, voter).qualifiesFor).toEqual(qualifiesFor);
    });

    it('looks collaborators up only for a read role where read is enough', () => {
      expect(needsCollaboratorCheck(readers, 'read')).toBe(true);
      expect(needsCollaboratorCheck(readers, 'write')).toBe(false);
      expect(needsCollaboratorCheck(readers, null)).toBe(false);
      expect(needsCollaboratorCheck(requirements, 'read')).toBe(false);
    });
  });

  it('lets the requester approve where the rule allows it', () => {
    const allowing = [req('self-service', { permission: 'write' }, true)];
    expect(qualifyVoter(request, allowing, facts('dana', { permission: 'write' })).qualifiesFor).toEqual([
      'self-service',
    ]);
  });

  it('looks up only what the requirements name', () => {
    expect(factsNeeded(requirements)).toEqual({ teams: ['acme/finance'], permission: true });
    expect(factsNeeded([req('u', { users: ['a'] })])).toEqual({ teams: [], permission: false });
  });
});

describe('effectivePermission', () => {
  it.each([
    [{ roleName: 'maintain', permission: 'write' }, 'maintain'],
    [{ roleName: 'triage', permission: 'read' }, 'triage'],
    [{ roleName: 'admin', permission: 'admin' }, 'admin'],
    // A custom role counts as the base role it inherits, never more.
    [
      { roleName: 'security-reviewer', permission: 'write', permissions: { push: true, pull: true } },
      'write',
    ],
    [
      { roleName: 'release-manager', permission: 'write', permissions: { maintain: true, push: true } },
      'maintain',
    ],
    [{ roleName: 'custom', permission: 'read' }, 'read'],
    [{ roleName: null, permission: 'none' }, null],
  ] as const)('%j → %s', (answer, expected) => {
    expect(effectivePermission(answer)).toBe(expected);
  });
});
