/**
 * One HTTP round trip to the server, and the retry loop around it. Internal to the SDK: the client
 * builds on it, users never see it. Only `fetch`, `AbortSignal` and `URL` are used, so it runs in
 * Node ≥ 20, Deno, Bun, browsers and workers alike.
 */
import { AgentGateError, TimeoutError } from './errors.js';
import { ErrorBodySchema } from './schemas.js';

/**
 * The part of `fetch` the client uses; pass your own to add tracing, a proxy agent or retries.
 *
 * @example
 * const client = new AgentGateClient({ baseUrl, apiKey, fetch: (url, init) => { console.log(url); return fetch(url, init); } });
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  baseUrl: string;
  apiKey: string | undefined;
  fetch: FetchLike;
  /** Per-call timeout in milliseconds. */
  timeoutMs: number;
  /** Retries of a failed safe call (network error, per-call timeout, 5xx, short 429). */
  retries: number;
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Added to the per-call timeout: a long-poll may legitimately take that long. */
  extraTimeoutMs?: number;
  /** Overrides the transport's retry count; only calls that are safe to repeat should retry. */
  retries?: number;
}

/** Longest `Retry-After` we sleep through inside one call instead of failing it. */
const MAX_RETRY_AFTER_SECONDS = 30;

export class Transport {
  readonly baseUrl: string;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** Sends the call, retrying transient failures with the same headers; resolves to the parsed JSON. */
  async call(options: CallOptions): Promise<unknown> {
    const retries = options.retries ?? this.options.retries;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send(options);
      } catch (error) {
        if (attempt >= retries || !isRetryable(error)) throw error;
        await sleep(retryDelayMs(error, attempt + 1), options.signal);
      }
    }
  }

  /** One attempt, no retry. */
  async send(options: CallOptions): Promise<unknown> {
    const method = options.method ?? 'GET';
    const url = this.url(options.path, options.query);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const limitMs = this.options.timeoutMs + (options.extraTimeoutMs ?? 0);
    const timeout = AbortSignal.timeout(limitMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const where = `${method} ${this.baseUrl}${options.path}`;

    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(url, { method, headers, body, signal });
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) {
        throw new TimeoutError(`${where} got no answer within ${limitMs} ms`, {
          code: 'request_timeout',
          cause: error,
        });
      }
      throw new AgentGateError(`${where} failed: ${describeNetworkError(error)}`, {
        status: 0,
        code: 'network_error',
        cause: error,
      });
    }

    const data = parseJson(text);
    if (!response.ok) throw errorFromResponse(response, data, text, where);
    if (response.status === 204 || text.trim() === '') return undefined;
    if (data === undefined) {
      throw new AgentGateError(`${where} answered ${response.status} with a body that is not JSON`, {
        status: response.status,
        code: 'invalid_response',
      });
    }
    return data;
  }

  private url(path: string, query: CallOptions['query']): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
  }
}

/** Network errors, per-call timeouts, 5xx (except 501) and rate limits with a short `Retry-After`. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof AgentGateError)) return false;
  if (error.status === 0) return error.code === 'network_error' || error.code === 'request_timeout';
  if (error.status === 429) return (error.retryAfter ?? 1) <= MAX_RETRY_AFTER_SECONDS;
  return error.status >= 500 && error.status !== 501;
}

/** Exponential backoff with jitter (half fixed, half random), or the server's `Retry-After`. */
export function retryDelayMs(error: unknown, attempt: number, baseMs = 250, capMs = 10_000): number {
  if (error instanceof AgentGateError && error.retryAfter !== undefined) return error.retryAfter * 1000;
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
  500: 'internal_error',
  502: 'unavailable',
  503: 'unavailable',
  504: 'unavailable',
};

/**
 * Reads our `{error: "<sentence>", code, details}` and the original AgentGate's
 * `{error: {code, message}}` (and a bare `{message, code}`), falling back to the status line.
 */
function errorFromResponse(response: Response, data: unknown, text: string, where: string): AgentGateError {
  const status = response.status;
  let message: string | undefined;
  let code: string | undefined;
  let details: unknown;
  const ours = ErrorBodySchema.safeParse(data);
  if (ours.success) {
    ({ error: message, code, details } = ours.data);
  } else if (isObject(data)) {
    const inner = isObject(data.error) ? data.error : data;
    if (typeof inner.message === 'string') message = inner.message;
    else if (typeof data.error === 'string') message = data.error;
    if (typeof inner.code === 'string') code = inner.code;
    details = inner.details;
  }
  if (!message) {
    const snippet = data === undefined && text.trim() ? `: ${text.trim().slice(0, 200)}` : '';
    message = `${where} answered ${status} ${response.statusText}${snippet}`.trim();
  }
  const retryAfterHeader = response.headers.get('retry-after');
  const retryAfter =
    retryAfterHeader !== null && /^\d+$/.test(retryAfterHeader.trim()) ? Number(retryAfterHeader) : undefined;
  return new AgentGateError(message, {
    status,
    code: code ?? CODE_BY_STATUS[status] ?? `http_${status}`,
    details,
    retryAfter,
  });
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${cause.message} (${code})` : cause.message;
  }
  return error.message;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
