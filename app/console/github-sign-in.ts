/**
 * "Sign in with GitHub": the OAuth web flow of the GitHub App's own client (`GITHUB_CLIENT_ID`,
 * `GITHUB_CLIENT_SECRET`). The browser is sent to `<GitHub web>/login/oauth/authorize` with a
 * `state` bound to its console session; the callback's code is exchanged at
 * `<GitHub web>/login/oauth/access_token`, and `GET <GitHub API>/user` says who signed in. The user
 * token is used for that one call and then dropped: votes are qualified with the app's own access,
 * exactly as comments and reviews are. URLs follow the GitHub the app uses (github.com, or a GitHub
 * Enterprise Server at `GHE_HOST`).
 */
import { z } from 'zod';
import { AppError } from '../services/app-error.js';

export interface GitHubOAuthClient {
  clientId: string;
  clientSecret: string;
  /** `https://github.com`, or the Enterprise Server's web address. */
  webUrl: string;
  /** `https://api.github.com`, or `<web>/api/v3`. */
  apiUrl: string;
}

/** The API address that goes with a GitHub web address. */
export function githubApiUrlOf(webUrl: string): string {
  const web = webUrl.replace(/\/+$/, '');
  return web === 'https://github.com' ? 'https://api.github.com' : `${web}/api/v3`;
}

const TokenAnswerSchema = z.union([
  z.object({ access_token: z.string().min(1) }),
  z.object({ error: z.string(), error_description: z.string().optional() }),
]);
const UserSchema = z.object({ login: z.string().min(1).max(100), type: z.string().optional() });

const TIMEOUT_MS = 10_000;

export function authorizeUrl(client: GitHubOAuthClient, redirectUri: string, state: string): string {
  const url = new URL(`${client.webUrl.replace(/\/+$/, '')}/login/oauth/authorize`);
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  url.searchParams.set('allow_signup', 'false');
  return url.href;
}

const unavailable = (what: string) =>
  new AppError('unavailable', `GitHub did not answer the sign-in (${what}); try signing in again.`);

/** Who signed in: the code exchanged for a user token, and the token for the user's login. */
export async function signedInUser(
  client: GitHubOAuthClient,
  code: string,
  redirectUri: string,
  fetchImpl: typeof fetch = fetch,
): Promise<{ login: string; bot: boolean }> {
  let tokenAnswer: unknown;
  try {
    const res = await fetchImpl(`${client.webUrl.replace(/\/+$/, '')}/login/oauth/access_token`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        code,
        redirect_uri: redirectUri,
      }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    tokenAnswer = res.ok ? await res.json() : null;
  } catch {
    throw unavailable('the code exchange failed');
  }
  const token = TokenAnswerSchema.safeParse(tokenAnswer);
  if (!token.success) throw unavailable('the code exchange failed');
  if ('error' in token.data) {
    throw new AppError(
      'unauthorized',
      `GitHub refused the sign-in (${token.data.error}); the link may have been used already. Sign in again.`,
    );
  }
  let user: unknown;
  try {
    const res = await fetchImpl(`${client.apiUrl.replace(/\/+$/, '')}/user`, {
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${token.data.access_token}`,
        'User-Agent': 'agentgate-console',
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    user = res.ok ? await res.json() : null;
  } catch {
    throw unavailable('reading the user failed');
  }
  const parsed = UserSchema.safeParse(user);
  if (!parsed.success) throw unavailable('reading the user failed');
  return {
    login: parsed.data.login,
    bot: parsed.data.type === 'Bot' || /\[bot\]$/i.test(parsed.data.login),
  };
}
