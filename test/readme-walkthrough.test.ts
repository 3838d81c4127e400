import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** The README's curl walk-through, run command by command against a real server. */
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Walk-through with curl'));
const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const commands = block
  .replace(/\\\n\s*/g, '') // continued lines
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line.startsWith('curl '));
const sh = promisify(execFile);

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer(); // no policy files: everything routes to a human
});
afterAll(() => t.close());

describe("the README's curl walk-through", () => {
  it('creates a key, asks, waits, decides and reads the trail as shown', async () => {
    expect(commands).toHaveLength(5);
    const env: Record<string, string> = { ...process.env, AGENTGATE_URL: t.url, ADMIN: t.adminKey } as never;
    let id = '';
    const run = async (command: string) => {
      const { stdout } = await sh('sh', ['-c', id ? command.replaceAll('req_…', id) : command], { env });
      return JSON.parse(stdout);
    };
    const key = await run(commands[0]!);
    expect(key.scopes).toEqual(['request:create']);
    env.AGENT = key.key;

    const created = await run(commands[1]!);
    expect(created).toMatchObject({ status: 'pending', policyDecision: { decision: 'route_to_human' } });
    id = created.id;

    const waiting = run(commands[2]!.replace('timeout=60', 'timeout=5'));
    const decided = await run(commands[3]!);
    expect(decided).toMatchObject({ status: 'approved', decisionReason: 'release window is open' });
    expect(await waiting).toMatchObject({ id, status: 'approved' });

    const trail = await run(commands[4]!);
    expect(trail.map((entry: { eventType: string }) => entry.eventType)).toEqual(
      expect.arrayContaining(['created', 'approved']),
    );
  });
});
