/**
 * What a new user does first: `agentgate serve` (what `npm start` runs) with no keys prints the
 * bootstrap admin key and the console's URL; that URL answers with the sign-in page, and the key
 * signs in. A real server process with a real SQLite file; the console's secret is kept beside it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_SECRET_FILE } from '../../app/adapters/console-secret.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';
import { ConsoleClient } from './console-client.js';

const tempDir = useTempDir('agentgate-console-proc-');
let server: ServerProcess | undefined;
afterEach(() => {
  server?.child.kill('SIGKILL');
  server = undefined;
});

describe('starting the server', { timeout: 60_000 }, () => {
  it('prints the console URL, and the printed bootstrap key signs in there', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'policies'));
    const database = join(dir, 'data', 'agentgate.db');
    server = await startServerProcess({
      DATABASE_URL: database,
      AGENTGATE_POLICY_DIR: join(dir, 'policies'),
    });
    const port = new URL(server.url).port;
    const printed = await until(
      () => /Web console: (http:\/\/localhost:\d+\/)/.exec(server?.stderr() ?? '')?.[1],
    );
    expect(printed).toBe(`http://localhost:${port}/`);
    const key = /^\s+(agk_[\w-]+)$/m.exec(server.stderr())?.[1];
    expect(key).toBeDefined();
    expect(existsSync(join(dir, 'data', CONSOLE_SECRET_FILE))).toBe(true);

    const client = new ConsoleClient(server.url);
    const first = await client.get('/');
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/login?next=%2F');
    expect((await client.signIn(key as string)).status).toBe(303);
    const queue = await client.get('/');
    expect(queue.status).toBe(200);
    expect(await queue.text()).toContain('Nothing is waiting for a decision');
  });
});
