/**
 * Shared by the channel settings (app/discord/discord-config.ts, app/email/email-config.ts): zod
 * issues about environment variables as sentences that name the variable, never echoing a secret.
 */
import type { z } from 'zod';

type Env = Record<string, string | undefined>;

/** Parses `env` with `schema`; each issue becomes "NAME says what to do (got "value")" in `problems`. */
export function parseEnvSection<T extends z.ZodType>(
  schema: T,
  env: Env,
  secrets: readonly string[],
  problems: string[],
): z.output<T> | null {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? 'environment');
    const got = secrets.includes(name) || env[name] === undefined ? '' : ` (got "${env[name]}")`;
    problems.push(`${name} ${issue.message}${got}`);
  }
  return null;
}
