import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * No Docker engine runs here, so the image cannot be built in CI; this keeps the Dockerfile honest
 * about what the build compiles: every directory tsconfig.build.json includes is copied in.
 */
const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
const buildConfig = JSON.parse(readFileSync(new URL('../tsconfig.build.json', import.meta.url), 'utf8')) as {
  include: string[];
};

describe('Dockerfile', () => {
  it.each(buildConfig.include)('copies %s/ into the build stage', (dir) => {
    expect(dockerfile).toMatch(new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'));
  });

  it('copies every tsconfig the build script uses', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const configs = [...(pkg.scripts.build ?? '').matchAll(/-p (\S+)/g)].map((m) => m[1] as string);
    expect(configs.length).toBeGreaterThan(0);
    const copied = /^COPY (tsconfig[^\n]*) \.\/$/m.exec(dockerfile)?.[1]?.split(' ') ?? [];
    for (const config of ['tsconfig.json', ...configs]) expect(copied).toContain(config);
  });

  it('runs as a non-root user with a data volume and a health check', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/DATABASE_URL=\/data\/agentgate\.db/);
  });
});
