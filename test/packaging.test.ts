import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * What a user installs: the server package (CLI and MCP bins, `./sdk` subpath) and the SDK on its
 * own. The unscoped name `agentgate` on npm belongs to another project, so both are scoped.
 */
const ROOT = join(import.meta.dirname, '..');
const execFileAsync = promisify(execFile);
/** npm, offline and without its update check, so nothing but the machine's speed decides how long it takes. */
const run = (command: string, args: string[], options: { cwd: string }) =>
  execFileAsync(command, args, {
    ...options,
    env: {
      ...process.env,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    },
  });
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
const pkg = json('package.json');
const sdk = json('sdk/package.json');
const lock = json('package-lock.json');

type Packed = [{ name: string; files: { path: string }[] }];
async function packedFiles(...args: string[]): Promise<string[]> {
  const { stdout } = await run(
    'npm',
    ['pack', '--dry-run', '--json', '--ignore-scripts', '--offline', ...args],
    {
      cwd: ROOT,
    },
  );
  return (JSON.parse(stdout) as Packed)[0].files.map((f) => f.path);
}

// npm itself starts in these tests (exec, pack): about 2 s on a quiet machine, but over 60 s was seen
// once with both cores saturated, so the bound is generous; it only catches a hang.
describe('packaging', { timeout: 180_000 }, () => {
  it('names both packages in one scope, with the bins npx picks by the package name', () => {
    expect(pkg.name).toBe('@agentgate-gh/agentgate');
    expect(sdk.name).toBe('@agentgate-gh/sdk');
    expect(sdk.version).toBe(pkg.version);
    // `npx @agentgate-gh/agentgate` runs the bin named like the unscoped package name.
    expect(pkg.bin).toEqual({ agentgate: 'bin/agentgate.js', 'agentgate-mcp': 'bin/agentgate-mcp.js' });
    expect(Object.keys(sdk.dependencies)).toEqual(['zod']);
    expect(sdk.dependencies.zod).toBe(pkg.dependencies.zod);
  });

  it('keeps package-lock.json in step with both package.json files', () => {
    const root = lock.packages[''];
    expect(lock.name).toBe(pkg.name);
    for (const field of [
      'name',
      'version',
      'bin',
      'dependencies',
      'devDependencies',
      'workspaces',
      'engines',
    ])
      expect(root[field], field).toEqual(pkg[field]);
    expect(lock.packages.sdk).toMatchObject({
      name: sdk.name,
      version: sdk.version,
      dependencies: sdk.dependencies,
    });
    expect(lock.packages['node_modules/@agentgate-gh/sdk']).toEqual({ resolved: 'sdk', link: true });
  });

  it('answers `npx agentgate --version` in a checkout with the package version', async () => {
    const { stdout } = await run('npm', ['exec', '--offline', '--', 'agentgate', '--version'], { cwd: ROOT });
    expect(stdout.trim()).toBe(pkg.version);
  });

  it('answers `npx @agentgate-gh/agentgate --version` in a project that installed the package', async () => {
    // The layout `npm install` gives a project: the package in node_modules, its bins linked in .bin.
    const project = mkdtempSync(join(tmpdir(), 'agentgate-npx-'));
    try {
      writeFileSync(join(project, 'package.json'), '{ "name": "user-project", "private": true }\n');
      mkdirSync(join(project, 'node_modules/@agentgate-gh'), { recursive: true });
      mkdirSync(join(project, 'node_modules/.bin'));
      symlinkSync(ROOT, join(project, 'node_modules/@agentgate-gh/agentgate'));
      symlinkSync(
        '../@agentgate-gh/agentgate/bin/agentgate.js',
        join(project, 'node_modules/.bin/agentgate'),
      );
      const { stdout } = await run('npm', ['exec', '--offline', '--', pkg.name, '--version'], {
        cwd: project,
      });
      expect(stdout.trim()).toBe(pkg.version);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('publishes the compiled bins, server and SDK, and the SDK package holds only its build', async () => {
    const server = await packedFiles();
    for (const file of [
      'bin/agentgate.js',
      'bin/agentgate-mcp.js',
      'dist/app/cli/main.js',
      'dist/mcp/stdio.js',
      'sdk/dist/index.js',
      'sdk/dist/index.d.ts',
      'LICENSE',
    ])
      expect(server).toContain(file);
    expect(server.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const client = await packedFiles('-w', 'sdk');
    expect(client).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'README.md']));
    expect(client.every((f) => f.startsWith('dist/') || f === 'package.json' || f === 'README.md')).toBe(
      true,
    );
  });
});
