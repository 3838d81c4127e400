/**
 * `agentgate-mcp` over stdio as MCP clients run it: a spawned process configured by
 * AGENTGATE_URL/AGENTGATE_API_KEY, the protocol on stdout, everything else on stderr.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStdioConfig } from '../../mcp/read-stdio-config.js';
import { keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { call, EXPECTED_TOOLS, eventually, POLICIES } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = ['--import', 'tsx', 'mcp/stdio.ts'];

let t: TestServer;
let agentKey: string;

beforeAll(async () => {
  t = await startTestServer({ policies: POLICIES });
  agentKey = (await keyClient(t.url, t.adminKey, 'stdio-agent', ['request:create'])).key;
});
afterAll(() => t?.close());

/** Runs the entry to its exit with the given environment (no inherited AGENTGATE_*). */
function runEntry(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ENTRY, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Process start-up (tsx compiling the entry) takes seconds on a busy machine.
describe('agentgate-mcp over stdio', { timeout: 60_000 }, () => {
  it('lists and calls the tools, logging only to stderr', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ENTRY,
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', AGENTGATE_URL: t.url, AGENTGATE_API_KEY: agentKey },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const mcp = new Client({ name: 'agentgate-stdio-test', version: '1.0.0' });
    await mcp.connect(transport);
    try {
      expect(mcp.getServerVersion()).toMatchObject({ name: 'agentgate' });
      expect(mcp.getInstructions()).toContain('request_approval');
      const { tools } = await mcp.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(EXPECTED_TOOLS);

      const denied = await call(mcp, 'request_approval', {
        action: 'send_email',
        params: { to: 'all@customers.example' },
      });
      expect(denied.isError).toBe(true);
      expect(denied.text).toContain(
        'Denied by policy (rule no-customer-email-during-freeze): not during the freeze. Do not perform send_email',
      );

      const routed = await call(mcp, 'request_approval', { action: 'deploy:stdio' });
      expect(routed.structured).toMatchObject({ status: 'pending', approved: false });
      const checked = await call(mcp, 'check_request', { id: routed.structured.id });
      expect(checked.structured).toMatchObject({ id: routed.structured.id, status: 'pending' });

      await eventually(async () =>
        stderr.includes(`serving AgentGate at ${t.url} over stdio`) ? true : undefined,
      );
      expect(stderr).not.toContain(agentKey);
    } finally {
      await mcp.close();
    }
  });

  it('exits 1 with a message on stderr when it is not configured', async () => {
    const neither = await runEntry({});
    expect(neither.code).toBe(1);
    expect(neither.stdout).toBe('');
    expect(neither.stderr).toMatch(
      /^agentgate-mcp: set AGENTGATE_URL and AGENTGATE_API_KEY in the environment/,
    );
  });

  it('ends when the client closes stdin', async () => {
    const child = spawn(process.execPath, ENTRY, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', AGENTGATE_URL: t.url, AGENTGATE_API_KEY: agentKey },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    await eventually(async () => (stderr.includes('over stdio') ? true : undefined));
    child.stdin.end();
    expect(await exited).toBe(0);
  });
});

// What each bad configuration says, without a process per case.
describe('readStdioConfig', () => {
  it.each([
    [{ AGENTGATE_URL: 'http://localhost:3000' }, /^set AGENTGATE_API_KEY in the environment/],
    [{ AGENTGATE_API_KEY: 'agk_x' }, /^set AGENTGATE_URL in the environment/],
    [
      { AGENTGATE_URL: 'localhost:3000', AGENTGATE_API_KEY: 'agk_x' },
      /AGENTGATE_URL must be an http\(s\) URL/,
    ],
    [{ AGENTGATE_URL: 'not a url', AGENTGATE_API_KEY: 'agk_x' }, /AGENTGATE_URL is not a URL/],
  ])('%o', (env, message) => {
    const config = readStdioConfig(env);
    expect('error' in config && config.error).toMatch(message);
  });

  it('accepts an http(s) URL and a key', () => {
    expect(readStdioConfig({ AGENTGATE_URL: ' https://gate.example ', AGENTGATE_API_KEY: 'agk_x' })).toEqual({
      url: 'https://gate.example',
      apiKey: 'agk_x',
    });
  });
});
