/**
 * The runner runs the committed `action/dist/index.js` with no install step, so it must be exactly
 * what the sources build to (check-dist), self-contained, and free of server-only modules.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUNDLE, buildAction, ROOT } from '../../action/build.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tempDir = useTempDir('agentgate-bundle-');
let fresh: string;
let metafile: Metafile;

beforeAll(async () => {
  const out = join(tempDir(), 'index.js');
  metafile = await buildAction(out);
  fresh = readFileSync(out, 'utf8');
});

describe('action/dist/index.js', () => {
  it('is what the sources build to today (run `npm run build:action` and commit it when this fails)', () => {
    const committed = readFileSync(join(ROOT, BUNDLE), 'utf8');
    // Not toBe: a 2 MB diff helps nobody; the message above says what to do.
    expect(
      committed === fresh,
      'action/dist/index.js is stale: run `npm run build:action` and commit it',
    ).toBe(true);
  });

  it('holds no server-only or native module', () => {
    const inputs = Object.keys(metafile.inputs);
    const forbidden = inputs.filter(
      (path) =>
        path.startsWith('app/') ||
        path.endsWith('.node') ||
        /node_modules\/(better-sqlite3|express|probot|pino|@octokit\/webhooks|@slack|@modelcontextprotocol)\//.test(
          path,
        ),
    );
    expect(forbidden).toEqual([]);
    expect(inputs.some((path) => path.startsWith('sdk/'))).toBe(true);
  });

  it('imports only Node built-ins at run time', () => {
    const external = new Set<string>();
    for (const output of Object.values(metafile.outputs)) {
      for (const imported of output.imports) if (imported.external) external.add(imported.path);
    }
    expect(
      [...external].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name)),
    ).toEqual([]);
  });
});

describe('action.yml', () => {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'));

  it('runs the committed bundle on node24, with a post step', () => {
    expect(action.runs).toMatchObject({ using: 'node24', main: BUNDLE, post: BUNDLE });
  });

  it('declares exactly the inputs and outputs of the contract, each documented', () => {
    expect(Object.keys(action.inputs)).toEqual([
      'server-url',
      'action',
      'params',
      'context',
      'urgency',
      'timeout',
      'api-key',
      'audience',
      'github-token',
      'wait',
      'fail-on-denied',
      'idempotency-key',
    ]);
    expect(Object.keys(action.outputs)).toEqual([
      'request-id',
      'status',
      'decided-by',
      'reason',
      'url',
      'sha',
    ]);
    for (const entry of [...Object.values(action.inputs), ...Object.values(action.outputs)] as Array<{
      description?: string;
    }>) {
      expect(entry.description?.length).toBeGreaterThan(20);
    }
    expect(action.inputs.wait.default).toBe('true');
    expect(action.inputs['fail-on-denied'].default).toBe('true');
    expect(action.inputs['server-url'].required).toBe(true);
    expect(action.inputs['api-key'].required).toBe(false);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, as action.yml spells it
    expect(action.inputs['github-token'].default).toBe('${{ github.token }}');
    expect(action.inputs.audience.default).toBe('');
  });
});
