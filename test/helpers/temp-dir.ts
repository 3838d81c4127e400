/**
 * Temporary directories that remove themselves: `useTempDir('agentgate-x-')` registers an
 * afterAll hook in the calling file and returns a function that makes a fresh directory under
 * one root per file, so no run leaves `agentgate-*` directories in the system temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export function useTempDir(prefix = 'agentgate-test-'): (name?: string) => string {
  let root: string | undefined;
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return (name = 'dir-') => {
    root ??= mkdtempSync(join(tmpdir(), prefix));
    return mkdtempSync(join(root, name));
  };
}
