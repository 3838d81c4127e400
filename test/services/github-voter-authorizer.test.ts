/**
 * What the authorizer asks GitHub, and what it makes of GitHub's refusals: a team it may not read is
 * "not a member" (logged once per team), a rate limit is not an answer (the vote fails and is
 * retried), and a `read` role is confirmed with the collaborator check.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../app/logger.js';
import { GitHubError, type GitHubGateway, type TeamMembershipState } from '../../app/ports/github-gateway.js';
import type { RequestRecord } from '../../app/ports/store.js';
import { GitHubVoterAuthorizer } from '../../app/services/github-voter-authorizer.js';
import type { Requirement } from '../../sdk/schemas.js';

const requirement = (approvers: Requirement['approvers']): Requirement => ({
  rule: 'rule',
  approvers,
  count: 1,
  via: 'issue',
  timeout: null,
  notify: null,
  allowRequester: false,
});

const aRequest = (approvers: Requirement['approvers']) =>
  ({
    repository: 'acme/site',
    requester: { type: 'api_key', name: 'agent' },
    context: {},
    review: { requirements: [{ ...requirement(approvers), approvedBy: [] }], votes: [] },
  }) as unknown as RequestRecord;

function setup(gateway: Partial<GitHubGateway>) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const calls: string[] = [];
  const recording = new Proxy(gateway, {
    get: (target, name) => {
      const method = target[name as keyof GitHubGateway] as ((...args: unknown[]) => unknown) | undefined;
      if (!method) return undefined;
      return (...args: unknown[]) => {
        calls.push(`${String(name)} ${args.join(' ')}`);
        return method(...args);
      };
    },
  }) as GitHubGateway;
  return { authorizer: new GitHubVoterAuthorizer(recording, createLogger('warn', sink)), lines, calls };
}

describe('teams GitHub will not show', () => {
  it.each([
    ['the app is not installed on the organization', new GitHubError(404, 'Not Found')],
    [
      'the installation may not read its teams',
      new GitHubError(403, 'Resource not accessible by integration'),
    ],
  ])('%s: not a member, logged once per team, and a listed user still qualifies', async (_name, failure) => {
    const { authorizer, lines } = setup({
      teamMembership: async () => {
        throw failure;
      },
    });
    const request = aRequest({ users: ['alice'], teams: ['other-org/x', 'other-org/y'] });
    expect((await authorizer.qualify(request, 'alice', false)).qualifiesFor).toEqual(['rule']);
    expect(await authorizer.qualify(request, 'eve', false)).toEqual({
      qualifiesFor: [],
      refusal: 'not_approver',
    });
    expect(lines.map((l) => JSON.parse(l).team).sort()).toEqual(['other-org/x', 'other-org/y']);
  });

  it.each([
    [
      'a rate limit (403)',
      new GitHubError(403, 'GitHub answered 403: API rate limit exceeded for installation'),
    ],
    ['GitHub down', new GitHubError(502, 'Server Error')],
  ])('%s is not an answer: the vote fails, to be retried', async (_name, failure) => {
    const { authorizer, lines } = setup({
      teamMembership: async () => {
        throw failure;
      },
    });
    await expect(authorizer.qualify(aRequest({ teams: ['acme/finance'] }), 'fiona', false)).rejects.toBe(
      failure,
    );
    expect(lines).toEqual([]);
  });

  it('counts an active member of a team it can read', async () => {
    const { authorizer } = setup({
      teamMembership: async (_team, login): Promise<TeamMembershipState> =>
        login === 'fiona' ? 'active' : null,
    });
    expect(
      (await authorizer.qualify(aRequest({ teams: ['acme/finance'] }), 'fiona', false)).qualifiesFor,
    ).toEqual(['rule']);
  });
});

describe('a read role', () => {
  const readAnswer = async () => ({ roleName: 'read', permission: 'read', permissions: { pull: true } });

  it('is confirmed as a collaborator where read is enough', async () => {
    const { authorizer, calls } = setup({
      collaboratorPermission: readAnswer,
      isCollaborator: async (_repository, login) => login === 'rita',
    });
    const request = aRequest({ permission: 'read' });
    expect((await authorizer.qualify(request, 'rita', false)).qualifiesFor).toEqual(['rule']);
    expect((await authorizer.qualify(request, 'eve', false)).refusal).toBe('not_approver');
    expect(calls).toContain('isCollaborator acme/site eve');
  });

  it('costs no collaborator check where read is not enough, or the role is higher', async () => {
    const { authorizer, calls } = setup({
      collaboratorPermission: readAnswer,
      isCollaborator: async () => true,
    });
    expect((await authorizer.qualify(aRequest({ permission: 'write' }), 'eve', false)).qualifiesFor).toEqual(
      [],
    );
    expect(calls.some((c) => c.startsWith('isCollaborator'))).toBe(false);
  });
});
