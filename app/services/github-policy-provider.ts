/**
 * Policies from GitHub (docs/policies.md, docs/github-app.md): `policies/*.yaml|yml` of the request's repository at the
 * head of its DEFAULT branch (never a branch an agent controls), else of the owner's `.github`
 * repository, else the built-in default (everything routes to humans with write access). The
 * version is the 40-character commit SHA the files were read at. Sets are cached by SHA; a push to
 * the default branch that touches `policies/` refreshes at once, and the head is re-checked every
 * few minutes in case a webhook was missed. An invalid set never replaces the last good one: its
 * errors are shown at `GET /api/policies?repository=` and logged.
 */
import type { PolicyDiagnostic } from '../../sdk/schemas.js';
import { BoundedCache } from '../bounded-cache.js';
import type { Logger } from '../logger.js';
import { loadPolicySet, type PolicyLoadResult } from '../policy/index.js';
import { GitHubError, type GitHubGateway } from '../ports/github-gateway.js';
import type { ActivePolicy, PolicyProvider } from '../ports/policy-provider.js';
import { AppError } from './app-error.js';

export interface GitHubPolicyProviderDeps {
  gateway: GitHubGateway;
  /** For requests without a repository. */
  local: PolicyProvider;
  log: Logger;
  /** How long a repository's head is trusted without a push webhook (default 5 minutes). */
  recheckMs?: number;
  now?: () => number;
}

interface Entry {
  active: ActivePolicy | null;
  /** The repository whose files are in force: the repository itself or `<owner>/.github`. */
  from: string | null;
  checkedAt: number;
  loading: Promise<ActivePolicy> | null;
  /** Counts reads started; only the latest may change `active` (see `#read`). */
  reads: number;
}

const POLICY_DIR = 'policies';
const MAX_CACHED_SETS = 200;
/**
 * Repositories whose active set is kept. Only installed repositories get an entry (callers name
 * repositories, so a "not installed" one is dropped at once; the gateway remembers the answer for
 * a minute); past this many, the least recently used is read again when next needed.
 */
const MAX_REPOSITORIES = 5_000;

export const notInstalled = (repository: string): AppError =>
  new AppError(
    'not_installed',
    `The AgentGate GitHub App is not installed on ${repository}. Install it on that repository ` +
      "(GitHub → Settings → GitHub Apps, or the app's public page → Configure), or use another repository.",
  );

export class GitHubPolicyProvider implements PolicyProvider {
  readonly #entries = new BoundedCache<string, Entry>({ max: MAX_REPOSITORIES });
  /** Loaded sets by `<repository>@<sha>`: a SHA's files never change. */
  readonly #bySha = new Map<string, PolicyLoadResult>();
  readonly #recheckMs: number;
  readonly #now: () => number;

  constructor(private readonly deps: GitHubPolicyProviderDeps) {
    this.#recheckMs = deps.recheckMs ?? 5 * 60 * 1000;
    this.#now = deps.now ?? Date.now;
  }

  async active(repository: string | null): Promise<ActivePolicy> {
    if (repository === null) return this.deps.local.active(null);
    const entry = this.#entry(repository);
    if (entry.active && this.#now() - entry.checkedAt < this.#recheckMs) return entry.active;
    return this.#load(repository, entry, null);
  }

  /** Re-reads a repository's policies at `sha` (a push to its default branch), or its head. */
  async refresh(repository: string, sha: string | null = null): Promise<ActivePolicy> {
    return this.#load(repository, this.#entry(repository), sha);
  }

  /**
   * A push to `<owner>/.github` changed the organization's policies: repositories that use them
   * (or the built-in default, which they may now replace) read again on their next request.
   */
  invalidateOwner(owner: string): void {
    const prefix = `${owner.toLowerCase()}/`;
    for (const [repository, entry] of this.#entries.entries()) {
      if (repository.startsWith(prefix) && entry.from?.toLowerCase() !== repository) entry.checkedAt = 0;
    }
  }

  /**
   * Where the app is installed changed: every repository reads again on its next request, so one
   * the app was removed from is refused (`not_installed`) at once rather than after the recheck.
   */
  invalidateAll(): void {
    for (const entry of this.#entries.values()) entry.checkedAt = 0;
  }

  /** Whether `repository` is cached (a push to it is worth a refresh). */
  isKnown(repository: string): boolean {
    return this.#entries.has(repository.toLowerCase());
  }

  #entry(repository: string): Entry {
    const key = repository.toLowerCase();
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { active: null, from: null, checkedAt: 0, loading: null, reads: 0 };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #forget(repository: string, entry: Entry): void {
    const key = repository.toLowerCase();
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }

  #load(repository: string, entry: Entry, sha: string | null): Promise<ActivePolicy> {
    if (entry.loading && sha === null) return entry.loading;
    const loading = this.#read(repository, entry, sha).finally(() => {
      if (entry.loading === loading) entry.loading = null;
    });
    entry.loading = loading;
    return loading;
  }

  async #read(repository: string, entry: Entry, pushedSha: string | null): Promise<ActivePolicy> {
    const { gateway, log } = this.deps;
    // A slow read of an older head must never replace what a later read (a push's SHA) put in
    // force: that could bring back a rule the push removed.
    const read = ++entry.reads;
    const superseded = () => read !== entry.reads && entry.active !== null;
    try {
      try {
        await gateway.installationOf(repository);
      } catch (error) {
        if (error instanceof GitHubError && error.status === 404) throw notInstalled(repository);
        throw error;
      }
      const sha = pushedSha ?? (await gateway.defaultBranchHead(repository)).sha;
      let from = repository;
      let result = await this.#loadAt(repository, sha);
      if (result === null) {
        const org = await this.#orgPolicies(repository);
        if (org) {
          from = org.from;
          result = org.result;
        }
      }
      result ??= loadPolicySet(new Map(), {
        version: sha,
        source: `builtin (github:${repository}@${sha} has no ${POLICY_DIR}/)`,
      });
      if (superseded()) return entry.active as ActivePolicy;
      entry.checkedAt = this.#now();
      if (result.policySet) {
        if (entry.active?.policySet.version !== result.policySet.version) {
          log.info(
            { repository, version: result.policySet.version, source: result.policySet.source },
            'policies loaded',
          );
        }
        entry.active = { policySet: result.policySet, errors: [], warnings: result.warnings };
        entry.from = from;
        return entry.active;
      }
      log.error(
        { repository, errors: result.errors },
        `policies of ${repository} are invalid; the last good set stays in force`,
      );
      const fallback = entry.active?.policySet ?? this.#builtin(repository, sha, 'the policies are invalid');
      entry.active = { policySet: fallback, errors: result.errors, warnings: result.warnings };
      return entry.active;
    } catch (error) {
      if (error instanceof AppError) {
        if (error.code === 'not_installed' && entry.active === null) this.#forget(repository, entry);
        throw error;
      }
      // GitHub is down or unreachable: requests are still answered, by the last good set or, with
      // none yet, by the built-in default (routes to humans), and the next request tries again.
      log.warn({ repository, err: error }, 'could not read policies from GitHub; using the last good set');
      entry.checkedAt = 0;
      const problem: PolicyDiagnostic = {
        file: `github:${repository}`,
        line: 0,
        column: 0,
        severity: 'error',
        code: 'github_unavailable',
        message: error instanceof Error ? error.message : String(error),
      };
      if (entry.active) return { ...entry.active, errors: [problem] };
      return {
        policySet: this.#builtin(repository, 'unavailable', 'GitHub could not be reached'),
        errors: [problem],
        warnings: [],
      };
    }
  }

  async #loadAt(repository: string, sha: string): Promise<PolicyLoadResult | null> {
    const key = `${repository.toLowerCase()}@${sha}`;
    const cached = this.#bySha.get(key);
    if (cached) return cached;
    const files = await this.deps.gateway.readYamlFiles(repository, POLICY_DIR, sha);
    if (files === null || files.size === 0) return null;
    const result = loadPolicySet(files, { version: sha, source: `github:${repository}@${sha}` });
    this.#bySha.set(key, result);
    if (this.#bySha.size > MAX_CACHED_SETS) this.#bySha.delete(this.#bySha.keys().next().value as string);
    return result;
  }

  async #orgPolicies(repository: string): Promise<{ from: string; result: PolicyLoadResult } | null> {
    const owner = repository.split('/')[0] as string;
    const from = `${owner}/.github`;
    if (from.toLowerCase() === repository.toLowerCase()) return null;
    try {
      await this.deps.gateway.installationOf(from);
    } catch (error) {
      if (error instanceof GitHubError && error.status === 404) return null;
      throw error;
    }
    const { sha } = await this.deps.gateway.defaultBranchHead(from);
    const result = await this.#loadAt(from, sha);
    return result ? { from, result } : null;
  }

  #builtin(repository: string, version: string, why: string) {
    const result = loadPolicySet(new Map(), { version, source: `builtin (${why} for ${repository})` });
    if (!result.policySet) throw new Error('the built-in default policy set is invalid');
    return result.policySet;
  }
}
