import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../app/cli/main.js';
import { runCli } from '../helpers/run-cli.js';

/** Commands that print data take --json (docs/cli.md lists them); `serve` prints only logs. */
const WITHOUT_DATA = new Set(['serve']);

function leaves(command: Command, path: string[] = []): { name: string; command: Command }[] {
  if (command.commands.length === 0) return [{ name: path.join(' '), command }];
  return command.commands.flatMap((c) => leaves(c, [...path, c.name()]));
}

describe('--json on every command that prints data', () => {
  const commands = leaves(buildProgram()).filter(({ name }) => !WITHOUT_DATA.has(name));

  it.each(commands.map((c) => [c.name, c.command] as const))(
    'agentgate %s takes --json',
    (_name, command) => {
      expect(command.options.map((o) => o.long)).toContain('--json');
    },
  );
});

describe('the offline commands print JSON when asked', () => {
  let dir: string;
  const saved = process.env.DATABASE_URL;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentgate-json-'));
    process.env.DATABASE_URL = join(dir, 'agentgate.db');
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('policy check and policy test', async () => {
    const check = await runCli(['policy', 'check', 'policies', '--json']);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, errors: [], version: expect.any(String) });
    const test = await runCli(['policy', 'test', 'policies', '--json']);
    expect(test.code).toBe(0);
    const report = JSON.parse(test.stdout);
    expect(report.failed).toBe(0);
    expect(report.passed).toBeGreaterThan(0);
  });

  it('keys revoke and audit verify', async () => {
    const created = JSON.parse(
      (await runCli(['keys', 'create', 'bot', '--scopes', 'request:create', '--json'])).stdout,
    );
    const revoked = await runCli(['keys', 'revoke', created.id, '--json']);
    expect(JSON.parse(revoked.stdout)).toMatchObject({
      id: created.id,
      name: 'bot',
      revokedAt: expect.any(String),
    });
    expect(revoked.stdout).not.toContain(created.key);
    const verify = await runCli(['audit', 'verify', '--json']);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, checked: expect.any(Number) });
  });
});
