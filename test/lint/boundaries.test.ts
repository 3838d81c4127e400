/**
 * The dependency rules of .dependency-cruiser.cjs (run by `npm run lint:boundaries`) catch a
 * forbidden import: each probe below is a small module written into the real tree for the length
 * of the test, importing what its folder must not, and the check must name the rule it breaks.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TAG = `boundary-probe-${process.pid}`;

/** Where a probe goes (relative to the repository root), what it imports, and the rules it must break. */
const PROBES: { file: string; source: string; breaks: string[] }[] = [
  {
    file: `app/policy/${TAG}.ts`,
    source: "import { writeFileSync } from 'node:fs';\nexport const write = writeFileSync;\n",
    breaks: ['pure-core-does-no-io'],
  },
  {
    file: `app/render/${TAG}.ts`,
    source: "import { systemClock } from '../ports/clock.js';\nexport const now = () => systemClock.now();\n",
    breaks: ['pure-core-takes-only-port-types'],
  },
  {
    file: `app/approvals/${TAG}.ts`,
    source:
      "import type { Store } from '../ports/store.js';\nimport { newId } from '../services/ids.js';\nexport const f = (s: Store) => [s, newId];\n",
    breaks: ['pure-core-imports-only-the-core'],
  },
  {
    file: `sdk/${TAG}.ts`,
    source: "import { VERSION } from '../app/version.js';\nexport const v = VERSION;\n",
    breaks: ['sdk-imports-nothing-of-ours'],
  },
  {
    file: `mcp/${TAG}.ts`,
    source:
      "import { authenticateHeader } from '../app/http/auth.js';\nexport const a = authenticateHeader;\n",
    breaks: ['mcp-and-action-use-only-the-sdk'],
  },
  {
    file: `app/services/${TAG}.ts`,
    source:
      "import { readFile } from 'node:fs/promises';\nimport { guardedPost } from '../adapters/guarded-http.js';\nimport { createRequestsRouter } from '../http/requests-router.js';\nexport const x = [readFile, guardedPost, createRequestsRouter];\n",
    breaks: [
      'services-use-ports-not-adapters',
      'services-do-no-io-themselves',
      'adapters-only-in-composition-roots',
    ],
  },
  {
    file: `app/slack/${TAG}.ts`,
    source:
      "import { createSlackWebApi } from '../adapters/slack-web-api.js';\nexport const s = createSlackWebApi;\n",
    breaks: ['adapters-only-in-composition-roots'],
  },
  {
    file: `app/cli/${TAG}.ts`,
    source:
      "import { openSqliteStore } from '../adapters/sqlite/sqlite-store.js';\nexport const o = openSqliteStore;\n",
    breaks: ['adapters-only-in-composition-roots', 'stores-opened-in-one-place'],
  },
  {
    // Even another adapter picks no database: DATABASE_URL is read in open-store.ts only.
    file: `app/adapters/${TAG}.ts`,
    source:
      "import { openPostgresStore } from './postgres/pg-store.js';\nexport const o = openPostgresStore;\n",
    breaks: ['stores-opened-in-one-place'],
  },
  {
    file: `app/ports/${TAG}.ts`,
    source:
      "import type { RequestService } from '../services/request-service.js';\nexport type R = RequestService;\n",
    breaks: ['ports-are-interfaces'],
  },
];

let result: ICruiseResult;

beforeAll(async () => {
  for (const probe of PROBES) writeFileSync(probe.file, probe.source);
  try {
    const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
    const reporting = await cruise(
      PROBES.map((p) => p.file),
      { ...options, validate: true, maxDepth: 1, outputType: 'json' },
      {},
      { tsConfig: extractTSConfig('tsconfig.json') },
    );
    result = (
      typeof reporting.output === 'string' ? JSON.parse(reporting.output) : reporting.output
    ) as ICruiseResult;
  } finally {
    for (const probe of PROBES) rmSync(probe.file, { force: true });
  }
}, 60_000);

afterAll(() => {
  for (const probe of PROBES) rmSync(probe.file, { force: true });
});

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it.each(PROBES)('fails $file with $breaks', ({ file, breaks }) => {
    const broken = result.summary.violations.filter((v) => v.from === file).map((v) => v.rule.name);
    expect([...new Set(broken)].sort()).toEqual([...breaks].sort());
  });

  it('reports every probe as an error, so `npm run lint` exits non-zero', () => {
    expect(result.summary.error).toBeGreaterThanOrEqual(PROBES.length);
  });
});
