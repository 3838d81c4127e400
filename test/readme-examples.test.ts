import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The docs show the example files the suite runs; this keeps the two from drifting apart. */
const page = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const code = (path: string) =>
  readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')
    .replace(/^\/\*\*[\s\S]*?\*\/\n/, '') // the file's header comment
    .trim();
const blocksOf = (text: string) =>
  [...text.matchAll(/```(?:ts|sh)\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());

describe('docs examples', () => {
  it('docs/sdk.md shows examples/gate.ts exactly', () => {
    expect(blocksOf(page('docs/sdk.md'))).toContain(code('examples/gate.ts'));
  });

  it('docs/cli.md shows only command lines that the example scripts run', () => {
    const blocks = blocksOf(page('docs/cli.md'));
    const scripts = code('examples/deploy-gate.sh') + code('examples/review.sh');
    const shown = blocks
      .filter((block) => block.startsWith('agentgate'))
      .flatMap((block) => block.split('\n'))
      .filter((line) => /^(agentgate|id=)/.test(line));
    expect(shown.length).toBeGreaterThan(4);
    for (const line of shown) expect(scripts).toContain(line.trim());
  });
});
