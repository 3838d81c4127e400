/**
 * Where the CLI finds its server and key: `AGENTGATE_URL` / `AGENTGATE_API_KEY` win over the config
 * file, which is `~/.agentgate/config.json` (or `AGENTGATE_CONFIG`). The file holds a secret, so it
 * is written readable by its owner only (0600, directory 0700).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './cli-error.js';

const DEFAULT_URL = 'http://localhost:3000';

export interface ConfigFile {
  url?: string;
  apiKey?: string;
}

export interface ResolvedConfig {
  url: string;
  apiKey: string | undefined;
  path: string;
  sources: { url: 'env' | 'file' | 'default'; apiKey: 'env' | 'file' | 'none' };
}

type Env = Record<string, string | undefined>;

function configPath(env: Env = process.env): string {
  return env.AGENTGATE_CONFIG || join(homedir(), '.agentgate', 'config.json');
}

export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CliError(
      `${path} is not valid JSON; fix it or delete it and run \`agentgate config set\` again`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CliError(`${path} must hold a JSON object such as {"url": "…", "apiKey": "…"}`);
  }
  const { url, apiKey } = data as Record<string, unknown>;
  return {
    ...(typeof url === 'string' && { url }),
    ...(typeof apiKey === 'string' && { apiKey }),
  };
}

export function writeConfigFile(path: string, config: ConfigFile): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Our own directory is tightened even if it existed; a directory named by AGENTGATE_CONFIG is the user's.
  if (path === configPath({})) chmodSync(dir, 0o700);
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // `mode` only applies when the file is created
}

export function resolveConfig(env: Env = process.env): ResolvedConfig {
  const path = configPath(env);
  const file = readConfigFile(path);
  const url = env.AGENTGATE_URL || file.url;
  const apiKey = env.AGENTGATE_API_KEY || file.apiKey;
  return {
    url: url ?? DEFAULT_URL,
    apiKey,
    path,
    sources: {
      url: env.AGENTGATE_URL ? 'env' : file.url ? 'file' : 'default',
      apiKey: env.AGENTGATE_API_KEY ? 'env' : file.apiKey ? 'file' : 'none',
    },
  };
}

/** `agk_abcd…wxyz`: enough to tell keys apart, never enough to use one. */
export function maskKey(key: string | undefined): string | null {
  if (!key) return null;
  if (key.length <= 12) return '*'.repeat(key.length);
  return `${key.slice(0, 8)}…${key.slice(-4)}`;
}

/** Validates and normalizes a value for `config set`. */
export function normalizeSetting(name: string, value: string): { field: keyof ConfigFile; value: string } {
  if (name === 'url') {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new CliError(`"${value}" is not a URL; give one such as ${DEFAULT_URL}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new CliError(`the server URL must start with http:// or https://, not ${parsed.protocol}//`);
    }
    return { field: 'url', value: value.replace(/\/+$/, '') };
  }
  if (name === 'api-key' || name === 'apiKey') {
    if (!value.trim() || /\s/.test(value)) throw new CliError('the API key must be one word, such as agk_…');
    return { field: 'apiKey', value };
  }
  throw new CliError(`unknown setting "${name}"; use "url" or "api-key"`);
}
