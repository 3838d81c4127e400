/**
 * Reads policy files from a local directory: every `*.yaml`/`*.yml` directly in it (not in
 * subdirectories), keyed by file name, and the test files in its `tests/` directory keyed
 * `tests/<name>`. Keys are relative so the version hash does not depend on where the directory is.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export class PolicyDirectoryError extends Error {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyDirectoryError';
  }
}

const POLICY_FILE = /\.ya?ml$/i;

/** `policies/` → Map of `payments.yaml` → text. A missing directory is an error unless `missingOk`. */
export async function readPolicyDir(
  dir: string,
  { missingOk = false }: { missingOk?: boolean } = {},
): Promise<ReadonlyMap<string, string>> {
  const names = await listYamlFiles(dir, missingOk);
  return readAll(dir, names, '');
}

/** `policies/tests/` → Map of `tests/payments.yaml` → text; no tests directory means no tests. */
export async function readPolicyTestDir(dir: string): Promise<ReadonlyMap<string, string>> {
  const testDir = join(dir, 'tests');
  const names = await listYamlFiles(testDir, true);
  return readAll(testDir, names, 'tests/');
}

async function listYamlFiles(dir: string, missingOk: boolean): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && missingOk) return [];
    if (code === 'ENOENT') throw new PolicyDirectoryError(dir, `policy directory "${dir}" does not exist`);
    if (code === 'ENOTDIR') throw new PolicyDirectoryError(dir, `"${dir}" is a file, not a policy directory`);
    throw new PolicyDirectoryError(dir, `cannot read policy directory "${dir}": ${(error as Error).message}`);
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!POLICY_FILE.test(entry.name)) continue;
    if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(join(dir, entry.name))))) {
      names.push(entry.name);
    }
  }
  return names.sort();
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readAll(
  dir: string,
  names: readonly string[],
  keyPrefix: string,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of names) files.set(`${keyPrefix}${name}`, await readFile(join(dir, name), 'utf8'));
  return files;
}
