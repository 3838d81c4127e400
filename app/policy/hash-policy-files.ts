import { createHash } from 'node:crypto';

/** `sha256:<hex>` over the sorted (path, content) pairs: the same files always give the same version. */
export function hashPolicyFiles(files: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  for (const path of [...files.keys()].sort()) {
    hash
      .update(path)
      .update('\0')
      .update(files.get(path) ?? '')
      .update('\0');
  }
  return `sha256:${hash.digest('hex')}`;
}
