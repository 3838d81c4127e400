import type { PolicyDiagnostic } from '../../sdk/schemas.js';
import { loadPolicySet } from '../policy/index.js';
import type { ActivePolicy, PolicyProvider } from '../ports/policy-provider.js';

class PolicyLoadError extends Error {
  constructor(
    readonly source: string,
    readonly errors: PolicyDiagnostic[],
  ) {
    super(
      `The policies in ${source} have errors, so the server cannot start:\n${errors
        .map((d) => `  ${d.file}:${d.line}:${d.column}: error: ${d.message}`)
        .join('\n')}\nFix them (run "agentgate policy check ${source}") and start again.`,
    );
    this.name = 'PolicyLoadError';
  }
}

/**
 * Policies from a local directory (standalone mode): one set for every repository. `reload()` reads
 * the files again; an invalid set never replaces the last good one, and its errors stay visible.
 */
export class LocalPolicyProvider implements PolicyProvider {
  #current: ActivePolicy | null = null;

  constructor(
    private readonly source: string,
    private readonly read: () => Promise<ReadonlyMap<string, string>>,
  ) {}

  /** Loads the files. The first load must succeed; later failures keep the last good set. */
  async reload(): Promise<ActivePolicy> {
    const result = loadPolicySet(await this.read(), { source: `dir:${this.source}` });
    if (result.policySet) {
      this.#current = { policySet: result.policySet, errors: [], warnings: result.warnings };
    } else if (this.#current) {
      this.#current = { ...this.#current, errors: result.errors, warnings: result.warnings };
    } else {
      throw new PolicyLoadError(this.source, result.errors);
    }
    return this.#current;
  }

  async active(): Promise<ActivePolicy> {
    return this.#current ?? this.reload();
  }
}
