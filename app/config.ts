/**
 * Configuration from the environment (DESIGN §7), validated once at start. A bad value stops the
 * server with a sentence that names the variable and says what to put there.
 */
import { z } from 'zod';
import { RepositoryNameSchema } from '../sdk/schemas.js';
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
  DATABASE_URL: z
    .string()
    .min(1)
    .default('./data/agentgate.db')
    .refine((url) => !/^postgres(ql)?:\/\//.test(url), {
      message:
        'PostgreSQL is not supported by this version yet; use a SQLite file path such as ./data/agentgate.db',
    }),
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters (use a long random value)').optional(),
  AGENTGATE_POLICY_DIR: z.string().min(1).default('./policies'),
  AGENTGATE_REPOSITORY: RepositoryNameSchema.optional(),
  AGENTGATE_OIDC_ISSUER: SecureUrlSchema.default(GITHUB_ACTIONS_ISSUER),
  AGENTGATE_OIDC_AUDIENCE: z.string().min(1).default(DEFAULT_OIDC_AUDIENCE),
  AGENTGATE_OIDC_JWKS_URL: SecureUrlSchema.optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
});

export interface Config {
  port: number;
  host: string | undefined;
  databaseUrl: string;
  adminApiKey: string | undefined;
  policyDir: string;
  defaultRepository: string | null;
  /** Which GitHub Actions OIDC tokens are accepted as bearers. */
  oidc: { issuer: string; audience: string; jwksUrl: string };
  logLevel: (typeof LOG_LEVELS)[number];
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** How often the expiry sweeper runs. */
  sweepIntervalMs: number;
  /** Longest time shutdown waits for in-flight requests. */
  shutdownGraceMs: number;
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
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        const secret = name === 'ADMIN_API_KEY';
        const got = secret || present[name] === undefined ? '' : ` (got "${present[name]}")`;
        return `${name} ${issue.message}${got}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    adminApiKey: e.ADMIN_API_KEY,
    policyDir: e.AGENTGATE_POLICY_DIR,
    defaultRepository: e.AGENTGATE_REPOSITORY ?? null,
    oidc: {
      issuer: e.AGENTGATE_OIDC_ISSUER,
      audience: e.AGENTGATE_OIDC_AUDIENCE,
      jwksUrl: e.AGENTGATE_OIDC_JWKS_URL ?? jwksUrlOf(e.AGENTGATE_OIDC_ISSUER),
    },
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: 1024 * 1024,
    sweepIntervalMs: 1000,
    shutdownGraceMs: 10_000,
  };
}
