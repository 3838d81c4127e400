import { readFileSync } from 'node:fs';

/**
 * This package's version, read once from its package.json (works from mcp/ and from dist/mcp/). A
 * copy of app/version.ts: mcp/ imports nothing of ours but the SDK, and the SDK does no file IO.
 */
export const VERSION: string = (() => {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@agentgate-gh/agentgate' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
})();
