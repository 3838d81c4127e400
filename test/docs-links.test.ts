import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The README is the front door: short, pointing at every manual, and no link leads nowhere. */
const ROOT = join(import.meta.dirname, '..');
const pages = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  'policies/README.md',
  'sdk/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const read = (page: string) => readFileSync(join(ROOT, page), 'utf8');

describe('README and docs/', () => {
  it('keeps the README under 250 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThan(250);
  });

  it('links every manual from the README', () => {
    const readme = read('README.md');
    for (const manual of [
      'github-app',
      'action',
      'mcp',
      'slack',
      'webhooks',
      'api',
      'architecture',
      'operations',
      'security',
      'policies',
      'sdk',
      'cli',
    ])
      expect(readme).toContain(`](docs/${manual}.md)`);
    expect(readme).toContain('](docs/openapi.json)');
  });

  it.each(pages)('%s links only to files that exist', (page) => {
    const targets = [...read(page).matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => (m[1] ?? '').split('#')[0] ?? '')
      .filter((target) => target !== '' && !/^[a-z]+:/.test(target));
    for (const target of targets) expect(existsSync(join(ROOT, dirname(page), target)), target).toBe(true);
  });
});
