import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sdk from '../../sdk/index.js';

const SDK_DIR = join(import.meta.dirname, '../../sdk');
const sources = readdirSync(SDK_DIR).filter((f) => f.endsWith('.ts'));

describe('the @agentgate-gh/sdk package surface', () => {
  it.each(sources)('%s imports only zod and other sdk files', (file) => {
    const text = readFileSync(join(SDK_DIR, file), 'utf8');
    // Statements start a line; doc-comment examples (` * import …`) do not count.
    const statements = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+['"]([^'"]+)['"]/gm)];
    const dynamic = [...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]/g)];
    const specifiers = [...statements, ...dynamic].map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const specifier of specifiers) {
      expect(
        specifier === 'zod' || /^\.\/[a-z-]+\.js$/.test(specifier ?? ''),
        `${file} imports ${specifier}`,
      ).toBe(true);
    }
  });

  it('exports by name, never with export *', () => {
    expect(readFileSync(join(SDK_DIR, 'index.ts'), 'utf8')).not.toMatch(/export \*/);
  });

  it('exposes the client, gate and the typed errors', () => {
    expect(Object.keys(sdk)).toEqual(
      expect.arrayContaining(['AgentGateClient', 'gate', 'AgentGateError', 'TimeoutError', 'DeniedError']),
    );
    expect(new sdk.TimeoutError()).toBeInstanceOf(sdk.AgentGateError);
  });

  it('puts a doc comment with an example on every public method of the client', () => {
    const text = readFileSync(join(SDK_DIR, 'client.ts'), 'utf8');
    const methods = [...text.matchAll(/^ {2}(?:async )?(\w+)(?:<\w+>)?\(/gm)].map((m) => m[1]);
    expect(methods.length).toBeGreaterThan(15);
    for (const method of methods) {
      if (method === 'constructor') continue;
      const before = text.slice(0, text.search(new RegExp(`^ {2}(?:async )?${method}(?:<\\w+>)?\\(`, 'm')));
      const doc = before.slice(before.lastIndexOf('/**'));
      expect(doc, `${method} has no @example`).toMatch(/@example[\s\S]*\*\/\s*$/);
    }
  });
});
