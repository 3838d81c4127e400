/**
 * The requests written in policy test files, as requests to replay: what `policy diff` compares
 * when no past requests are given. Files or cases that do not parse are left to `policy test`.
 */
import type { ReplayRequest } from './diff-impact.js';
import { parsePolicyYaml } from './parse-policy-yaml.js';
import { PolicyTestFileSchema } from './policy-test-file-schema.js';

export function testCaseRequests(testFiles: ReadonlyMap<string, string>): ReplayRequest[] {
  const requests: ReplayRequest[] = [];
  const seen = new Set<string>();
  for (const file of [...testFiles.keys()].sort()) {
    const parsed = parsePolicyYaml(file, testFiles.get(file) ?? '');
    if (!parsed.ok) continue;
    const tests = PolicyTestFileSchema.safeParse(parsed.parsed.value ?? {});
    if (!tests.success) continue;
    for (const testCase of tests.data.cases) {
      // The base and head test files often share cases: replay each request once.
      const key = JSON.stringify(testCase.request);
      if (seen.has(key)) continue;
      seen.add(key);
      requests.push({ ...testCase.request, id: `${file}: ${testCase.name}`, createdAt: null });
    }
  }
  return requests;
}
