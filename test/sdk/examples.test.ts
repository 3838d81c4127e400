import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentGateClient } from '../../sdk/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ROOT = join(import.meta.dirname, '../..');
/** tsx's loader by absolute URL: the example runs from a directory without node_modules. */
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;

let server: TestServer;
let admin: AgentGateClient;
let agentKey: string;
let tmp: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = new AgentGateClient({ baseUrl: server.url, apiKey: server.adminKey });
  agentKey = (await admin.createApiKey({ name: 'report-bot', scopes: ['request:create', 'request:read'] }))
    .key;
  tmp = mkdtempSync(join(tmpdir(), 'agentgate-example-'));
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

/**
 * Runs `examples/gate.ts` as a user would, from a project directory of its own. The one change: its
 * `@agentgate-gh/sdk` import points at this checkout's source instead of an installed package.
 */
function runGateExample(
  onLine: (line: string) => void,
): Promise<{ code: number | null; stdout: string; dir: string }> {
  const dir = mkdtempSync(join(tmp, 'project-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const source = readFileSync(join(ROOT, 'examples/gate.ts'), 'utf8');
  expect(source).toContain("from '@agentgate-gh/sdk'");
  writeFileSync(
    join(dir, 'gate.ts'),
    source.replace("'@agentgate-gh/sdk'", `'${join(ROOT, 'sdk/index.ts')}'`),
  );
  const child = spawn(process.execPath, ['--import', TSX, join(dir, 'gate.ts')], {
    cwd: dir,
    env: { ...process.env, AGENTGATE_URL: server.url, AGENTGATE_API_KEY: agentKey },
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
    for (const line of chunk.toString().split('\n')) if (line) onLine(line);
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, stdout: stdout + stderr, dir })),
  );
}

const idIn = (line: string) => /waiting for approval of (\S+)/.exec(line)?.[1];

describe('examples/gate.ts (the SDK example of docs/sdk.md)', () => {
  it('publishes the report once a human approves', async () => {
    const decisions: Promise<unknown>[] = [];
    const run = await runGateExample((line) => {
      const id = idIn(line);
      if (id) decisions.push(admin.decide(id, 'approved', { reason: 'numbers checked' }));
    });
    await Promise.all(decisions);
    expect(decisions).toHaveLength(1);
    expect(run.stdout).toContain('published q3-report.txt');
    expect(run.code).toBe(0);
    expect(readFileSync(join(run.dir, 'q3-report.txt'), 'utf8')).toContain('Q3');
  });

  it('does not publish when denied, and says who and why', async () => {
    const decisions: Promise<unknown>[] = [];
    const run = await runGateExample((line) => {
      const id = idIn(line);
      if (id) decisions.push(admin.decide(id, 'denied', { reason: 'not before the earnings call' }));
    });
    await Promise.all(decisions);
    expect(run.stdout).toMatch(/not published: denied by api:\S+: not before the earnings call/);
    expect(run.code).toBe(2);
    expect(existsSync(join(run.dir, 'q3-report.txt'))).toBe(false);
  });
});

describe('examples/gate.ts types', () => {
  it('type-checks against the SDK as a user’s strict project would', async () => {
    const dir = mkdtempSync(join(tmp, 'typecheck-'));
    const config = {
      compilerOptions: {
        target: 'ES2023',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        paths: { '@agentgate-gh/sdk': [join(ROOT, 'sdk/index.ts')] },
      },
      files: [join(ROOT, 'examples/gate.ts')],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
    const tsc = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir]);
    let out = '';
    tsc.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const code = await new Promise((resolve) => tsc.on('close', resolve));
    expect(out).toBe('');
    expect(code).toBe(0);
  });
});
