/**
 * The GitHub App's configuration (docs/operations.md, "Configuration"): `APP_ID`, `PRIVATE_KEY` or `PRIVATE_KEY_PATH`,
 * `WEBHOOK_SECRET`, `GHE_HOST`/`GHE_PROTOCOL`, plus `AGENTGATE_PUBLIC_URL` (linked from issues) and
 * `AGENTGATE_RECONCILE_INTERVAL` (seconds between reconciliation passes) and
 * `AGENTGATE_POLICY_REPLAY_LIMIT` (past requests replayed for a policy pull request). Without `APP_ID` the
 * server is standalone. Problems come back as sentences that say what to fix; secrets never
 * appear in them.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { GitHubAppConfig } from './integration.js';

export interface GitHubSettings {
  app: GitHubAppConfig;
  publicUrl: string | null;
  reconcileIntervalMs: number;
  policyReplayLimit: number;
}

type Env = Record<string, string | undefined>;

/** PEM text from `PRIVATE_KEY` (PEM, PEM with `\n` escapes, or base64 of a PEM) or `PRIVATE_KEY_PATH`. */
function privateKeyOf(env: Env, problems: string[]): string | null {
  let pem: string | null = null;
  if (env.PRIVATE_KEY) {
    const raw = env.PRIVATE_KEY.trim();
    pem = raw.includes('-----BEGIN')
      ? raw.replace(/\\n/g, '\n')
      : Buffer.from(raw, 'base64').toString('utf8');
    if (!pem.includes('-----BEGIN')) {
      problems.push(
        'PRIVATE_KEY must be the PEM private key of the GitHub App (or its base64), as GitHub gave it',
      );
      return null;
    }
  } else if (env.PRIVATE_KEY_PATH) {
    try {
      pem = readFileSync(env.PRIVATE_KEY_PATH, 'utf8');
    } catch (error) {
      problems.push(
        `PRIVATE_KEY_PATH cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): give the path of the .pem file downloaded from the app's settings (got "${env.PRIVATE_KEY_PATH}")`,
      );
      return null;
    }
  } else {
    problems.push(
      "APP_ID is set, so PRIVATE_KEY or PRIVATE_KEY_PATH must be too: the GitHub App's private key (PEM)",
    );
    return null;
  }
  try {
    createPrivateKey(pem);
  } catch {
    const name = env.PRIVATE_KEY ? 'PRIVATE_KEY' : 'PRIVATE_KEY_PATH';
    problems.push(
      `${name} is not a valid PEM private key; download a new key from the GitHub App's settings`,
    );
    return null;
  }
  return pem;
}

/**
 * Where people open GitHub in a browser: `https://github.com`, or for GitHub Enterprise Server the
 * host the API lives on (`GHE_HOST`, API at `<protocol>://<host>/api/v3`, web pages at
 * `<protocol>://<host>`). Every GitHub link AgentGate renders itself (a workflow run, a pull
 * request, a commit) starts with it; links GitHub gives us (`html_url`) are used as they are.
 */
export function githubWebUrl(app: Pick<GitHubAppConfig, 'gheHost' | 'gheProtocol'>): string {
  return app.gheHost ? `${app.gheProtocol}://${app.gheHost}` : 'https://github.com';
}

export function loadGitHubSettings(env: Env, problems: string[]): GitHubSettings | null {
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  if (!set('APP_ID')) {
    for (const name of ['PRIVATE_KEY', 'PRIVATE_KEY_PATH', 'WEBHOOK_SECRET']) {
      if (set(name)) problems.push(`${name} is set but APP_ID is not: set APP_ID to run as a GitHub App`);
    }
    return null;
  }
  const start = problems.length;
  const appId = env.APP_ID as string;
  if (!/^\d+$/.test(appId)) problems.push(`APP_ID must be the GitHub App's numeric ID (got "${appId}")`);
  const privateKey = privateKeyOf(env, problems);
  if (!set('WEBHOOK_SECRET')) {
    problems.push(
      "WEBHOOK_SECRET must be set to the GitHub App's webhook secret, so forged webhooks are refused",
    );
  }
  const host = env.GHE_HOST || null;
  if (host !== null && !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) {
    problems.push(
      `GHE_HOST must be a host name such as github.example.com (no scheme, no path) (got "${host}")`,
    );
  }
  const protocol = env.GHE_PROTOCOL || 'https';
  if (protocol !== 'https' && protocol !== 'http') {
    problems.push(`GHE_PROTOCOL must be https or http (got "${protocol}")`);
  }
  const publicUrl = env.AGENTGATE_PUBLIC_URL || null;
  if (publicUrl !== null && !/^https?:\/\/[^\s]+$/.test(publicUrl)) {
    problems.push(
      `AGENTGATE_PUBLIC_URL must be an http(s) URL such as https://agentgate.example.com (got "${publicUrl}")`,
    );
  }
  const interval = env.AGENTGATE_RECONCILE_INTERVAL || '300';
  if (!/^\d+$/.test(interval)) {
    problems.push(`AGENTGATE_RECONCILE_INTERVAL must be a number of seconds such as 300 (got "${interval}")`);
  }
  const replayLimit = env.AGENTGATE_POLICY_REPLAY_LIMIT || '500';
  if (!/^\d+$/.test(replayLimit) || Number(replayLimit) > 10_000) {
    problems.push(
      `AGENTGATE_POLICY_REPLAY_LIMIT must be a number of requests from 0 to 10000 such as 500 (got "${replayLimit}")`,
    );
  }
  if (problems.length > start || privateKey === null) return null;
  return {
    app: {
      appId,
      privateKey,
      webhookSecret: env.WEBHOOK_SECRET as string,
      gheHost: host,
      gheProtocol: protocol as 'https' | 'http',
    },
    publicUrl,
    reconcileIntervalMs: Number(interval) * 1000,
    policyReplayLimit: Number(replayLimit),
  };
}
