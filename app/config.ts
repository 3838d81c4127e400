/**
 * Configuration from the environment (docs/operations.md, "Configuration"), validated once at start. A bad value stops the
 * server with a sentence that names the variable and says what to put there.
 */
import { z } from 'zod';
import { RepositoryNameSchema } from '../sdk/schemas.js';
import { type DiscordSettings, loadDiscordSettings } from './discord/discord-config.js';
import { type EmailSettings, loadEmailSettings } from './email/email-config.js';
import { type GitHubSettings, loadGitHubSettings } from './github/github-config.js';
import { DEFAULT_OIDC_AUDIENCE, GITHUB_ACTIONS_ISSUER, jwksUrlOf } from './services/oidc-verifier.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** An https URL; plain http only on loopback (a local issuer in tests), never across a network. */
const SecureUrlSchema = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
      return url.protocol === 'https:' || (url.protocol === 'http:' && loopback);
    } catch {
      return false;
    }
  },
  { message: 'must be an https:// URL (http:// only for localhost/127.0.0.1)' },
);

const EnvSchema = z.object({
  PORT: z
    .string()
    .regex(/^\d+$/, 'must be a port number such as 3000')
    .transform(Number)
    .pipe(z.number().max(65_535, 'must be at most 65535'))
    .default(3000),
  HOST: z.string().min(1).optional(),
  // A SQLite file path, or postgres://… / postgresql://… for PostgreSQL (many instances, one database).
  DATABASE_URL: z
    .string()
    .min(1)
    .default('./data/agentgate.db')
    .refine((url) => !/^postgres(ql)?:\/\//i.test(url) || isPostgresUrl(url), {
      message:
        'is not a valid PostgreSQL URL: use postgres://user:password@host:5432/database (percent-encode ' +
        'special characters in the password)',
    }),
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters (use a long random value)').optional(),
  AGENTGATE_POLICY_DIR: z.string().min(1).default('./policies'),
  // SQLite only: full (the default) fsyncs the WAL at each group commit, so an acknowledged change
  // survives a power loss or OS crash; normal does not (a process crash still loses nothing).
  AGENTGATE_SQLITE_SYNCHRONOUS: z
    .enum(['full', 'normal'], {
      message:
        'must be full (the default: survives power loss) or normal (faster; survives process crashes only)',
    })
    .default('full'),
  AGENTGATE_REPOSITORY: RepositoryNameSchema.optional(),
  AGENTGATE_OIDC_ISSUER: SecureUrlSchema.default(GITHUB_ACTIONS_ISSUER),
  AGENTGATE_OIDC_AUDIENCE: z.string().min(1).optional(),
  AGENTGATE_OIDC_JWKS_URL: SecureUrlSchema.optional(),
  AGENTGATE_WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xox[a-z]-\S+$/, 'must be a Slack bot token (xoxb-…)')
    .optional(),
  SLACK_SIGNING_SECRET: z
    .string()
    .min(16, "must be the signing secret from the Slack app's Basic Information page")
    .optional(),
  SLACK_CHANNEL: z
    .string()
    .regex(/^[#@]?[\w.-]+$/, 'must be a channel such as #approvals or a channel id such as C0123456789')
    .optional(),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://slack.com/api/' })
    .optional(),
  // The web console (docs/console.md): its signing secret, and the GitHub App's OAuth client.
  AGENTGATE_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (for example the output of: openssl rand -base64 48)')
    .optional(),
  GITHUB_CLIENT_ID: z
    .string()
    .regex(/^[\w.-]+$/, "must be the GitHub App's Client ID")
    .optional(),
  GITHUB_CLIENT_SECRET: z
    .string()
    .min(8, "must be a client secret generated in the GitHub App's settings")
    .optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
});

export interface Config {
  port: number;
  host: string | undefined;
  /** A SQLite file path, or a `postgres://`/`postgresql://` URL (see `databaseKind`). */
  databaseUrl: string;
  /** Which store `databaseUrl` selects: PostgreSQL for a postgres(ql):// URL, else SQLite. */
  databaseKind: 'sqlite' | 'postgres';
  /** SQLite's `synchronous` pragma: `full` survives power loss (docs/operations.md, "Durability"). */
  sqliteSynchronous: 'full' | 'normal';
  adminApiKey: string | undefined;
  policyDir: string;
  defaultRepository: string | null;
  /** Which GitHub Actions OIDC tokens are accepted as bearers. */
  oidc: { issuer: string; audience: string; jwksUrl: string };
  /** Outgoing webhooks: whether loopback and private-network receivers are allowed. */
  webhooks: { allowPrivate: boolean };
  /** The Slack mirror; null without `SLACK_BOT_TOKEN`. Buttons need the signing secret. */
  slack: {
    botToken: string;
    signingSecret: string | null;
    channel: string | null;
    apiUrl: string | null;
  } | null;
  /** The Discord mirror (docs/discord.md); null without `DISCORD_BOT_TOKEN` or `DISCORD_WEBHOOK_URL`. */
  discord: DiscordSettings | null;
  /** Email to approvers (docs/email.md); null without `SMTP_URL` or `SMTP_HOST`. */
  email: EmailSettings | null;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** How often the expiry sweeper runs. */
  sweepIntervalMs: number;
  /** Longest time shutdown waits for in-flight requests. */
  shutdownGraceMs: number;
  /** The GitHub App (`APP_ID` and friends); null runs standalone. */
  github: GitHubSettings | null;
  /**
   * `AGENTGATE_PUBLIC_URL` without a trailing slash: the address people reach this server at. Every
   * link we render (Action log, check-run details, issue, Slack, Discord, email, the console) is
   * built on it (DESIGN §11); null when unset (links are then left out).
   */
  publicUrl: string | null;
  /**
   * The web console: `AGENTGATE_SECRET` (null: the server keeps a generated one, docs/console.md)
   * and the GitHub App's OAuth client for "Sign in with GitHub" (null without both variables).
   */
  console: { secret: string | null; githubClient: { clientId: string; clientSecret: string } | null };
}

/**
 * Without `AGENTGATE_OIDC_AUDIENCE`, tokens are for this server's origin (`https://agentgate.example.com`),
 * so a token minted for one AgentGate server is refused by another with nothing to keep in step:
 * the Action asks for what `GET /health` announces. `agentgate` when no public URL is known.
 */
function audienceOfPublicUrl(publicUrl: string | undefined): string {
  if (publicUrl === undefined) return DEFAULT_OIDC_AUDIENCE;
  try {
    const url = new URL(publicUrl);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
  } catch {
    // Reported by the GitHub settings; standalone, a broken URL must not silently widen the audience.
  }
  throw new ConfigError([
    `AGENTGATE_PUBLIC_URL must be an http(s) URL such as https://agentgate.example.com (got "${publicUrl}"); the OIDC audience is its origin unless AGENTGATE_OIDC_AUDIENCE is set`,
  ]);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration; empty variables count as unset. Throws `ConfigError` listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  const githubProblems: string[] = [];
  const github = loadGitHubSettings(present, githubProblems);
  const channelProblems: string[] = [];
  const discord = loadDiscordSettings(present, channelProblems);
  const email = loadEmailSettings(present, channelProblems);
  if (!parsed.success || githubProblems.length > 0 || channelProblems.length > 0) {
    throw new ConfigError([
      ...(parsed.error?.issues ?? []).map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        const secret = [
          'ADMIN_API_KEY',
          'SLACK_BOT_TOKEN',
          'SLACK_SIGNING_SECRET',
          'AGENTGATE_SECRET',
          'GITHUB_CLIENT_SECRET',
        ].includes(name);
        const got = secret || present[name] === undefined ? '' : ` (got "${present[name]}")`;
        return `${name} ${issue.message}${got}`;
      }),
      ...githubProblems,
      ...channelProblems,
    ]);
  }
  const e = parsed.data;
  if (e.SLACK_SIGNING_SECRET && !e.SLACK_BOT_TOKEN) {
    throw new ConfigError([
      'SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not: set the bot token (xoxb-…) too, or unset the secret',
    ]);
  }
  if (!e.GITHUB_CLIENT_ID !== !e.GITHUB_CLIENT_SECRET) {
    throw new ConfigError([
      `${e.GITHUB_CLIENT_ID ? 'GITHUB_CLIENT_ID' : 'GITHUB_CLIENT_SECRET'} is set but ${e.GITHUB_CLIENT_ID ? 'GITHUB_CLIENT_SECRET' : 'GITHUB_CLIENT_ID'} is not: "Sign in with GitHub" needs both, from the GitHub App's settings`,
    ]);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseKind: /^postgres(ql)?:\/\//i.test(e.DATABASE_URL) ? 'postgres' : 'sqlite',
    sqliteSynchronous: e.AGENTGATE_SQLITE_SYNCHRONOUS,
    adminApiKey: e.ADMIN_API_KEY,
    policyDir: e.AGENTGATE_POLICY_DIR,
    defaultRepository: e.AGENTGATE_REPOSITORY ?? null,
    oidc: {
      issuer: e.AGENTGATE_OIDC_ISSUER,
      audience: e.AGENTGATE_OIDC_AUDIENCE ?? audienceOfPublicUrl(present.AGENTGATE_PUBLIC_URL),
      jwksUrl: e.AGENTGATE_OIDC_JWKS_URL ?? jwksUrlOf(e.AGENTGATE_OIDC_ISSUER),
    },
    webhooks: { allowPrivate: e.AGENTGATE_WEBHOOK_ALLOW_PRIVATE },
    slack: e.SLACK_BOT_TOKEN
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET ?? null,
          channel: e.SLACK_CHANNEL ?? null,
          apiUrl: e.SLACK_API_URL ?? null,
        }
      : null,
    discord,
    email,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: 1024 * 1024,
    sweepIntervalMs: 1000,
    shutdownGraceMs: 10_000,
    github,
    publicUrl: publicUrlOf(present.AGENTGATE_PUBLIC_URL),
    console: {
      secret: e.AGENTGATE_SECRET ?? null,
      githubClient:
        e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET
          ? { clientId: e.GITHUB_CLIENT_ID, clientSecret: e.GITHUB_CLIENT_SECRET }
          : null,
    },
  };
}

/** `AGENTGATE_PUBLIC_URL` as links are built on it: http(s), no trailing slash. */
function publicUrlOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  audienceOfPublicUrl(value); // throws the same ConfigError for a URL that is not http(s)
  return value.replace(/\/+$/, '');
}

/** A postgres:// URL node-postgres can connect with: a host, and a port if one is given. */
function isPostgresUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.hostname !== '' || parsed.searchParams.has('host');
  } catch {
    return false;
  }
}
