/**
 * Builds the committed bundle `action/dist/index.js` (`npm run build:action`). The runner runs it
 * with no `npm install`, so everything it imports is inside; built for Node 20 so it runs on the
 * runner's node24 and on our Node 20. `test/action/bundle.test.ts` rebuilds it and fails when the
 * committed file is stale.
 */
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE = 'action/dist/index.js';

export const buildOptions: BuildOptions = {
  absWorkingDir: ROOT,
  entryPoints: ['action/index.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // CommonJS dependencies of @actions/core (http-client's `tunnel`) call require('net'): give the
  // ESM bundle a real `require`, or they crash with "Dynamic require of "net" is not supported".
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  legalComments: 'eof',
  logLevel: 'warning',
};

/** Writes the bundle to `outfile` (relative to the repository root) and returns what went into it. */
export async function buildAction(outfile = BUNDLE): Promise<Metafile> {
  const result = await build({ ...buildOptions, outfile, metafile: true });
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outfile = process.argv[2];
  if (outfile?.startsWith('-') || process.argv.length > 3) {
    console.error(`usage: tsx action/build.ts [outfile]   (default ${BUNDLE})`);
    process.exit(2);
  }
  const metafile = await buildAction(outfile);
  const bytes = Object.values(metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  console.log(`built ${outfile ?? BUNDLE} (${Math.round(bytes / 1024)} KB)`);
}
