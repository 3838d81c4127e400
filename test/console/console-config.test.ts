/** The console's settings from the environment: AGENTGATE_SECRET and the GitHub App's OAuth client. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/config.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('console configuration', () => {
  it('reads the secret and the OAuth client', () => {
    const config = loadConfig({
      AGENTGATE_SECRET: 's'.repeat(40),
      GITHUB_CLIENT_ID: 'Iv1.abc123',
      GITHUB_CLIENT_SECRET: 'client-secret-value',
    });
    expect(config.console).toEqual({
      secret: 's'.repeat(40),
      githubClient: { clientId: 'Iv1.abc123', clientSecret: 'client-secret-value' },
    });
    expect(loadConfig({}).console).toEqual({ secret: null, githubClient: null });
  });

  it('refuses a short secret without echoing it', () => {
    const [problem] = problemsOf({ AGENTGATE_SECRET: 'too-short-secret' });
    expect(problem).toContain('AGENTGATE_SECRET must be at least 32 characters');
    expect(problem).not.toContain('too-short-secret');
  });

  it('needs both halves of the OAuth client', () => {
    expect(problemsOf({ GITHUB_CLIENT_ID: 'Iv1.abc' })[0]).toContain(
      'GITHUB_CLIENT_ID is set but GITHUB_CLIENT_SECRET is not',
    );
    const [problem] = problemsOf({ GITHUB_CLIENT_SECRET: 'client-secret-value' });
    expect(problem).toContain('GITHUB_CLIENT_SECRET is set but GITHUB_CLIENT_ID is not');
    expect(problem).not.toContain('client-secret-value');
  });
});
