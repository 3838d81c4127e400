/** This repository's own policies/: they load cleanly and their tests pass. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, loadPolicySet, runPolicyTests } from '../../app/policy/index.js';
import { aRequest, NOW } from './builders.js';

const DIR = join(import.meta.dirname, '../../policies');

function readYaml(dir: string, prefix = ''): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((name) => /\.ya?ml$/.test(name))
      .map((name) => [`${prefix}${name}`, readFileSync(join(dir, name), 'utf8')]),
  );
}

describe('policies/', () => {
  const loaded = loadPolicySet(readYaml(DIR), { source: 'dir:policies' });

  it('loads without errors or warnings', () => {
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings).toEqual([]);
  });

  it('passes its own tests', () => {
    const report = runPolicyTests(loaded.policySet!, readYaml(join(DIR, 'tests'), 'tests/'));
    expect(report.errors).toEqual([]);
    expect(report.cases.filter((c) => !c.passed)).toEqual([]);
    expect(report.passed).toBeGreaterThanOrEqual(10);
  });

  it.each([
    [{ action: 'read_file' }, 'auto_approve'],
    [{ action: 'db.drop_table', params: { database: 'production' } }, 'auto_deny'],
    [{ action: 'deploy:production' }, 'route_to_human'],
    [{ action: 'payments.send', params: { amount: 2500, currency: 'USD' } }, 'route_to_human'],
  ])('decides %j as %s', (request, decision) => {
    expect(evaluatePolicy(loaded.policySet!, aRequest(request), NOW).decision).toBe(decision);
  });
});
