import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../app/config.js';
import { generatePrivateKey } from './harness.js';

const PEM = generatePrivateKey();
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('GitHub App configuration', () => {
  it('is standalone without APP_ID', () => {
    expect(loadConfig({}).github).toBeNull();
  });

  it('reads a complete GitHub App configuration (PEM with \\n escapes, GHE host)', () => {
    const config = loadConfig({
      APP_ID: '12345',
      PRIVATE_KEY: PEM.replace(/\n/g, '\\n'),
      WEBHOOK_SECRET: 's3cret',
      GHE_HOST: 'github.example.com:8443',
      GHE_PROTOCOL: 'https',
      AGENTGATE_RECONCILE_INTERVAL: '60',
      AGENTGATE_POLICY_REPLAY_LIMIT: '200',
    });
    expect(config.github).toMatchObject({
      app: {
        appId: '12345',
        webhookSecret: 's3cret',
        gheHost: 'github.example.com:8443',
        gheProtocol: 'https',
      },
      reconcileIntervalMs: 60_000,
      policyReplayLimit: 200,
      publicUrl: null,
    });
    expect(config.github?.app.privateKey).toBe(PEM);
  });

  it('stops with a sentence per problem, never echoing a secret', () => {
    const problems = problemsOf({
      APP_ID: 'my-app',
      PRIVATE_KEY: 'not-a-key-at-all',
      GHE_HOST: 'https://github.example.com/',
      GHE_PROTOCOL: 'ftp',
      AGENTGATE_POLICY_REPLAY_LIMIT: 'all',
    });
    expect(problems.join('\n')).toMatch(/APP_ID must be the GitHub App's numeric ID/);
    expect(problems.join('\n')).toMatch(/PRIVATE_KEY must be the PEM private key/);
    expect(problems.join('\n')).toMatch(/WEBHOOK_SECRET must be set/);
    expect(problems.join('\n')).toMatch(/GHE_HOST must be a host name/);
    expect(problems.join('\n')).toMatch(/GHE_PROTOCOL must be https or http/);
    expect(problems.join('\n')).toMatch(/AGENTGATE_POLICY_REPLAY_LIMIT must be a number of requests/);
    expect(problems.join('\n')).not.toContain('not-a-key-at-all');
  });

  it('names a private key file that cannot be read, and a key set without APP_ID', () => {
    expect(problemsOf({ APP_ID: '1', PRIVATE_KEY_PATH: '/nope/key.pem', WEBHOOK_SECRET: 'x' })[0]).toMatch(
      /PRIVATE_KEY_PATH cannot be read \(ENOENT\)/,
    );
    expect(problemsOf({ WEBHOOK_SECRET: 'x' })[0]).toMatch(/APP_ID is not/);
  });
});

describe('app.yml', () => {
  it('asks for the least permissions and the events AgentGate handles', () => {
    const manifest = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8'));
    expect(manifest.default_permissions).toEqual({
      issues: 'write',
      contents: 'read',
      metadata: 'read',
      members: 'read',
      checks: 'write',
      pull_requests: 'read',
      merge_queues: 'read',
      deployments: 'write',
      actions: 'read',
    });
    expect(manifest.default_events).toEqual([
      'issue_comment',
      'issues',
      'push',
      'check_run',
      'check_suite',
      'pull_request_review',
      'pull_request',
      'merge_group',
      'deployment_protection_rule',
      'workflow_run',
    ]);
  });
});
