/**
 * The one test of `agentgate` as a real process (the rest of test/cli runs it in-process): the
 * exit code reaches the shell, output goes to the right stream, and errors are one line.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentGateClient } from '../../sdk/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ENTRY = new URL('../helpers/cli-entry.ts', import.meta.url).pathname;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

function agentgate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    env: { PATH: process.env.PATH, AGENTGATE_URL: server.url, AGENTGATE_API_KEY: server.adminKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

// Process start-up (tsx compiling the CLI) takes seconds on a busy machine.
it('exits with the outcome’s code, prints to stdout, and reports errors as one line on stderr', {
  timeout: 60_000,
}, async () => {
  const admin = new AgentGateClient({ baseUrl: server.url, apiKey: server.adminKey });
  const request = await admin.request({ action: 'deploy' });
  await admin.cancel(request.id, { reason: 'not needed' });
  const [cancelled, unknown] = await Promise.all([
    agentgate(['wait', request.id, '--json']),
    agentgate(['status', 'req_nope']),
  ]);
  expect(cancelled.code).toBe(3);
  expect(JSON.parse(cancelled.stdout)).toMatchObject({ id: request.id, status: 'cancelled' });
  expect(cancelled.stderr).toBe('');
  expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'agentgate: request req_nope not found\n' });
});
