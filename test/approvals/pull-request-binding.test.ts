import { describe, expect, it } from 'vitest';
import { mayBind, pullRequestBindingOf, pullRequestOfRef } from '../../app/approvals/pull-request-binding.js';
import type { Principal } from '../../app/ports/store.js';
import { principalOfOidc } from '../../app/services/oidc-principal.js';
import type { Scope } from '../../sdk/schemas.js';

const key = (scopes: Scope[], repository: string | null = null): Principal => ({
  id: 'key_1',
  actor: 'api:agent',
  requester: { type: 'api_key', name: 'agent' },
  scopes: new Set(scopes),
  repository,
  rateLimit: null,
  keyId: 'key_1',
});

const workflow = (ref: string): Principal =>
  principalOfOidc({
    repository: 'acme/app',
    repositoryId: '1',
    actor: 'octocat',
    workflowRef: 'acme/app/.github/workflows/ci.yml@refs/heads/main',
    runId: '7',
    runAttempt: '1',
    sha: 'a'.repeat(40),
    ref,
    environment: null,
    jobWorkflowRef: null,
    event: 'pull_request',
  });

describe('pullRequestOfRef', () => {
  it.each([
    ['refs/pull/12/merge', 12],
    ['refs/pull/12/head', 12],
    ['refs/heads/pull/12/merge', null],
    ['refs/pull/0/merge', null],
    ['refs/pull/x/merge', null],
    ['refs/heads/main', null],
    [null, null],
  ] as const)('%s → %s', (ref, expected) => {
    expect(pullRequestOfRef(ref)).toBe(expected);
  });
});

describe('pullRequestBindingOf', () => {
  it('takes the PR from the workflow token, whatever the body names', () => {
    expect(pullRequestBindingOf(workflow('refs/pull/12/merge'), { pullRequest: 99 }, 'acme/app')).toBe(12);
  });

  it('binds the PR a token without one in its ref names (an issue_comment workflow)', () => {
    expect(pullRequestBindingOf(workflow('refs/heads/main'), { pullRequest: '34' }, 'acme/app')).toBe(34);
  });

  it('binds what an admin key or a key bound to the repository names', () => {
    expect(pullRequestBindingOf(key(['admin']), { pullRequest: 5 }, 'acme/app')).toBe(5);
    expect(pullRequestBindingOf(key(['request:create'], 'Acme/App'), { pullRequest: 5 }, 'acme/app')).toBe(5);
  });

  it('binds nothing for any other key: its PR stays unverified context', () => {
    expect(pullRequestBindingOf(key(['request:create']), { pullRequest: 5 }, 'acme/app')).toBeNull();
    expect(
      pullRequestBindingOf(key(['request:create'], 'acme/other'), { pullRequest: 5 }, 'acme/app'),
    ).toBeNull();
    expect(mayBind(key(['admin']), null)).toBe(false);
  });

  it('binds nothing when no usable PR is named', () => {
    expect(pullRequestBindingOf(key(['admin']), { pullRequest: 'soon' }, 'acme/app')).toBeNull();
    expect(pullRequestBindingOf(key(['admin']), {}, 'acme/app')).toBeNull();
  });
});
