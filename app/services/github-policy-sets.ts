/**
 * What a policy pull request is checked against (docs/github-app.md, "Policy pull requests"): the
 * set requests would be decided by at a commit — the repository's own `policies/`, else the
 * owner's `<owner>/.github`, else the built-in default — and the past requests to replay: the
 * repository's own, or for `<owner>/.github` those of the owner's repositories that use the shared
 * policies. Replayed requests carry no id or creation time: nothing published can name one.
 */
import { loadPolicySet, type PolicyLoadResult, type PolicySet, type ReplayRequest } from '../policy/index.js';
import { GitHubError, type GitHubGateway } from '../ports/github-gateway.js';
import type { RequestStore } from '../ports/request-store.js';
import type { RequestRecord } from '../ports/store.js';

export const POLICY_DIR = 'policies';
/** Repositories checked for using the owner's shared policies when a `.github` pull request is replayed. */
const MAX_SHARED_REPOSITORIES = 30;

/** What a check is doing, kept up to date so an error can say it. */
export interface ReplayProgress {
  /** What the check was doing, for the error summary. */
  stage: string;
  /** The stage reads other repositories (a `.github` replay): their names stay out of the error. */
  foreign: boolean;
}

export interface EffectiveSet {
  /** The repository's own files, loaded; null when it has none there. */
  own: PolicyLoadResult | null;
  /** The set requests would be decided by; null when the own files are invalid. */
  set: PolicySet | null;
  /** Whose policies apply when the repository has none: `<owner>/.github`, or null for the built-in default. */
  fallback: string | null;
}

export class GitHubPolicySets {
  constructor(private readonly deps: { store: RequestStore; gateway: GitHubGateway; replayLimit: number }) {}

  /** The set requests would be decided by at `sha`: the repository's own files, else the owner's, else the built-in default. */
  async effectiveSet(repository: string, sha: string, progress: ReplayProgress): Promise<EffectiveSet> {
    const files = await this.deps.gateway.readYamlFiles(repository, POLICY_DIR, sha);
    if (files !== null && files.size > 0) {
      const own = loadPolicySet(files, { version: sha, source: `github:${repository}@${sha}` });
      return { own, set: own.policySet, fallback: null };
    }
    const stage = progress.stage;
    progress.stage = `reading the shared policies of ${ownerOf(repository)}/.github`;
    const shared = await this.#sharedSet(repository);
    progress.stage = stage;
    if (shared) return { own: null, set: shared.set, fallback: shared.from };
    return { own: null, set: builtin(sha), fallback: null };
  }

  /** The valid policies of `<owner>/.github` at its default branch, when the app can read them. */
  async #sharedSet(repository: string): Promise<{ from: string; set: PolicySet } | null> {
    const from = `${ownerOf(repository)}/.github`;
    if (from.toLowerCase() === repository.toLowerCase()) return null;
    const { gateway } = this.deps;
    try {
      const { sha } = await gateway.defaultBranchHead(from);
      const files = await gateway.readYamlFiles(from, POLICY_DIR, sha);
      if (files === null || files.size === 0) return null;
      const set = loadPolicySet(files, { version: sha, source: `github:${from}@${sha}` }).policySet;
      return set ? { from, set } : null;
    } catch (error) {
      if (error instanceof GitHubError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * The newest requests the change would decide: the repository's own, or for `<owner>/.github`
   * those of the owner's repositories that have no policies of their own.
   */
  async pastRequests(
    repository: string,
    progress: ReplayProgress,
  ): Promise<{ requests: ReplayRequest[]; scope: string }> {
    const { store } = this.deps;
    const limit = this.deps.replayLimit;
    const describe = (n: number, total: number, of: string) =>
      `${n < total ? `the last ${n}` : n === 1 ? 'the 1' : `all ${n}`} request${n === 1 ? '' : 's'} of ${of}`;
    const owner = ownerOf(repository);
    if (repository.toLowerCase() !== `${owner}/.github`.toLowerCase()) {
      const { requests, total } = await store.listRequests({ repository, limit, offset: 0 });
      return { requests: requests.map(toReplay), scope: describe(requests.length, total, repository) };
    }
    const { requests } = await store.listRequests({ repositoryOwner: owner, limit, offset: 0 });
    const shared = new Map<string, boolean>();
    progress.foreign = true;
    for (const r of requests) {
      const name = r.repository?.toLowerCase();
      if (!name || shared.has(name) || shared.size >= MAX_SHARED_REPOSITORIES) continue;
      shared.set(name, name !== repository.toLowerCase() && (await this.#usesSharedPolicies(name)));
    }
    progress.foreign = false;
    const replayed = requests.filter((r) => shared.get(r.repository?.toLowerCase() ?? '') === true);
    const of = `${owner}'s repositories that use these shared policies`;
    return {
      requests: replayed.map(toReplay),
      scope: `${replayed.length === 1 ? 'the 1 recent request' : `the ${replayed.length} recent requests`} of ${of}`,
    };
  }

  async #usesSharedPolicies(repository: string): Promise<boolean> {
    const { gateway } = this.deps;
    try {
      const { sha } = await gateway.defaultBranchHead(repository);
      const files = await gateway.readYamlFiles(repository, POLICY_DIR, sha);
      return files === null || files.size === 0;
    } catch (error) {
      if (error instanceof GitHubError && error.status === 404) return false;
      throw error;
    }
  }
}

export function isSharedRepository(repository: string): boolean {
  return repository.toLowerCase() === `${ownerOf(repository)}/.github`.toLowerCase();
}

/** What is replayed: no id (examples would show it), no creation time. */
function toReplay(record: RequestRecord): ReplayRequest {
  return {
    id: null,
    createdAt: null,
    action: record.action,
    params: record.params,
    context: record.context,
    urgency: record.urgency,
    repository: record.repository,
    requester: record.requester,
  };
}

function ownerOf(repository: string): string {
  return repository.split('/')[0] as string;
}

function builtin(version: string): PolicySet {
  const set = loadPolicySet(new Map(), { version, source: 'builtin' }).policySet;
  if (!set) throw new Error('the built-in default policy set is invalid');
  return set;
}
