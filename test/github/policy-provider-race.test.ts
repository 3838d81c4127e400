import { describe, expect, it } from 'vitest';
import { createLogger } from '../../app/logger.js';
import type { GitHubGateway } from '../../app/ports/github-gateway.js';
import { GitHubPolicyProvider } from '../../app/services/github-policy-provider.js';
import { LocalPolicyProvider } from '../../app/services/local-policy-provider.js';

const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);
const files: Record<string, string> = {
  [OLD]: 'rules:\n  - name: old-rule\n    if: { action: deploy }\n    decision: auto_approve\n',
  [NEW]: 'rules:\n  - name: new-deny\n    if: { action: deploy }\n    decision: auto_deny\n',
};

/** A gateway whose head lookup answers late, as a slow GitHub would. */
function slowHeadGateway(headDelay: Promise<void>): GitHubGateway {
  const gateway: Partial<GitHubGateway> = {
    installationOf: async () => 1,
    defaultBranchHead: async () => {
      await headDelay;
      return { branch: 'main', sha: OLD };
    },
    readYamlFiles: async (_repository, _dir, ref) => new Map([['policies/main.yaml', files[ref] ?? '']]),
  };
  return gateway as GitHubGateway;
}

describe('GitHubPolicyProvider', () => {
  it('never lets a slow read of an older head replace the set a push put in force', async () => {
    let release!: () => void;
    const headDelay = new Promise<void>((resolve) => {
      release = resolve;
    });
    const provider = new GitHubPolicyProvider({
      gateway: slowHeadGateway(headDelay),
      local: new LocalPolicyProvider('none', async () => new Map()),
      log: createLogger('silent'),
    });
    const slow = provider.active('acme/app'); // reads the head: answers late with the OLD sha
    const pushed = await provider.refresh('acme/app', NEW); // a push of NEW lands meanwhile
    expect(pushed.policySet.version).toBe(NEW);
    release();
    await slow;
    const active = await provider.active('acme/app');
    expect(active.policySet.version).toBe(NEW);
    expect(active.policySet.rules.map((r) => r.name)).toEqual(['new-deny']);
  });
});
