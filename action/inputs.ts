/**
 * The Action's inputs (action.yml), parsed and checked before anything is sent, so a typo fails the
 * step with a sentence naming the input rather than a 400 from the server.
 */
import { parse as parseYaml } from 'yaml';
import { type JsonObject, URGENCIES, type Urgency } from '../sdk/index.js';

export interface ActionInputs {
  serverUrl: string;
  action: string;
  params: JsonObject;
  context: JsonObject;
  urgency: Urgency | undefined;
  /** Seconds, or a duration such as `30m`; the request's lifetime on the server. */
  timeout: number | string | undefined;
  apiKey: string | undefined;
  wait: boolean;
  failOnDenied: boolean;
  idempotencyKey: string | undefined;
  /** The OIDC token's audience; unset: what the server announces in `GET /health`. */
  audience: string | undefined;
  /** For reading the pull request of an `issue_comment` run (its head commit). */
  githubToken: string | undefined;
}

/** A bad input: the step fails with this message. */
export class InputError extends Error {
  override name = 'InputError';
}

/** `core.getInput` without options: the trimmed value, '' when unset. */
export type GetInput = (name: string) => string;

export function readInputs(get: GetInput): ActionInputs {
  const required = (name: string) => {
    const value = get(name);
    if (!value) throw new InputError(`Input "${name}" is required.`);
    return value;
  };
  const optional = (name: string) => get(name) || undefined;
  return {
    serverUrl: serverUrlOf(required('server-url')),
    action: required('action'),
    params: objectOf('params', get('params')),
    context: objectOf('context', get('context')),
    urgency: urgencyOf(get('urgency')),
    timeout: timeoutOf(get('timeout')),
    apiKey: optional('api-key'),
    wait: booleanOf('wait', get('wait'), true),
    failOnDenied: booleanOf('fail-on-denied', get('fail-on-denied'), true),
    idempotencyKey: idempotencyKeyOf(get('idempotency-key')),
    audience: optional('audience'),
    githubToken: optional('github-token'),
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function serverUrlOf(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(
      `Input "server-url" must be a URL such as https://agentgate.example.com (got "${value}").`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(`Input "server-url" must be an http(s) URL (got "${value}").`);
  }
  // The job's token (or key) and the request travel to this URL: never in clear text across a network.
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new InputError(
      `Input "server-url" must use https:// (got "${value}"): the job's token would cross the network in clear text. ` +
        'Serve AgentGate over TLS (for example behind a reverse proxy) and use its https:// URL; plain http:// is only for localhost, 127.0.0.1 and [::1].',
    );
  }
  return value.replace(/\/+$/, '');
}

/** JSON, or YAML (a block mapping or a flow mapping); either way it must be a mapping. */
function objectOf(name: string, text: string): JsonObject {
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      value = parseYaml(text);
    } catch (error) {
      throw new InputError(
        `Input "${name}" is neither JSON nor YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(
      `Input "${name}" must be a JSON object or a YAML mapping, such as {"env": "production"} or "env: production".`,
    );
  }
  // Through JSON, so YAML-only values (dates, Infinity) become what the server will store.
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

function urgencyOf(value: string): Urgency | undefined {
  if (!value) return undefined;
  if (!(URGENCIES as readonly string[]).includes(value)) {
    throw new InputError(`Input "urgency" must be one of ${URGENCIES.join(', ')} (got "${value}").`);
  }
  return value as Urgency;
}

function timeoutOf(value: string): number | string | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  if (/^(?:\d+[smhdw])+$/.test(value)) return value;
  throw new InputError(
    `Input "timeout" must be seconds or a duration such as "90s", "30m", "4h", "2d" (got "${value}").`,
  );
}

/** YAML 1.2 core booleans, as `core.getBooleanInput` reads them; empty means the default. */
function booleanOf(name: string, value: string, fallback: boolean): boolean {
  if (!value) return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputError(`Input "${name}" must be true or false (got "${value}").`);
}

function idempotencyKeyOf(value: string): string | undefined {
  if (!value) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new InputError('Input "idempotency-key" must be 1–255 visible ASCII characters (no spaces).');
  }
  return value;
}
