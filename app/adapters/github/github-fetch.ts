/**
 * The `fetch` every GitHub call of the app goes through (Probot passes it to Octokit and to the
 * token requests): it counts the calls as GitHub's rate limit does, and makes every GET
 * conditional. A GET answered before with an `ETag` is sent again with `If-None-Match`; GitHub
 * answers `304 Not Modified` when nothing changed, which does not count against the rate limit
 * (GitHub docs, "Best practices for using the REST API": use conditional requests). The 304 is
 * answered here with the stored body, so Octokit (which would throw a RequestError with status
 * 304) and its callers see the same 200 as before: reading what did not change costs nothing.
 *
 * GitHub's ETags are tied to the token: after the installation token is renewed (hourly) the
 * first read of each resource is a full, counted answer again.
 */
/** GET answers remembered (least recently used go first)... */
const MAX_ENTRIES = 10_000;
/** ...and the characters of their bodies, all together (about 32 MiB of text). */
const MAX_TOTAL_CHARS = 32 * 1024 * 1024;
/** A larger body is not kept: it is read in full each time. */
const MAX_BODY_CHARS = 1024 * 1024;

export type GitHubCallOutcome = 'counted' | 'not_modified' | 'error';

interface Stored {
  etag: string;
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: string;
}

export interface GitHubFetch {
  fetch: typeof fetch;
  /** Calls so far by outcome: `counted` (2xx/3xx), `not_modified` (304, free), `error` (4xx, 5xx, no answer). */
  calls(): Record<GitHubCallOutcome, number>;
}

export function createGitHubFetch({
  fetch: send = globalThis.fetch,
  maxEntries = MAX_ENTRIES,
  maxTotalChars = MAX_TOTAL_CHARS,
}: {
  fetch?: typeof fetch;
  maxEntries?: number;
  maxTotalChars?: number;
} = {}): GitHubFetch {
  const stored = new StoredAnswers(maxEntries, maxTotalChars);
  const calls: Record<GitHubCallOutcome, number> = { counted: 0, not_modified: 0, error: 0 };

  const conditionalFetch = async (
    input: string | URL | Request,
    init: RequestInit = {},
  ): Promise<Response> => {
    const method = (init.method ?? 'GET').toUpperCase();
    if (method !== 'GET' || typeof input !== 'string') return counted(await attempt(input, init));
    const headers = new Headers(init.headers);
    // One resource can be asked for in several media types; each has its own body.
    const key = `${input} ${headers.get('accept') ?? ''}`;
    const known = stored.get(key);
    if (known && !headers.has('if-none-match')) headers.set('if-none-match', known.etag);
    const response = await attempt(input, { ...init, headers });
    if (response.status === 304 && known) {
      calls.not_modified += 1;
      return rebuilt(input, known);
    }
    const etag = response.headers.get('etag');
    if (response.status !== 200 || !etag) return counted(response);
    const body = await response.text();
    const entry: Stored = {
      etag,
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers],
      body,
    };
    if (body.length <= MAX_BODY_CHARS && !fullLastPage(input, entry)) stored.set(key, entry);
    else stored.delete(key);
    return counted(rebuilt(input, entry));
  };

  async function attempt(input: string | URL | Request, init: RequestInit): Promise<Response> {
    try {
      return await send(input, init);
    } catch (error) {
      calls.error += 1;
      throw error;
    }
  }

  function counted(response: Response): Response {
    if (response.status >= 400) calls.error += 1;
    else if (response.status === 304) calls.not_modified += 1;
    else calls.counted += 1;
    return response;
  }

  return { fetch: conditionalFetch as typeof fetch, calls: () => ({ ...calls }) };
}

/** Stored answers by key, least recently used first, bounded in count and in total body size. */
class StoredAnswers {
  readonly #answers = new Map<string, Stored>();
  #chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get(key: string): Stored | undefined {
    const answer = this.#answers.get(key);
    if (answer) {
      this.#answers.delete(key);
      this.#answers.set(key, answer);
    }
    return answer;
  }

  set(key: string, answer: Stored): void {
    this.delete(key);
    this.#answers.set(key, answer);
    this.#chars += answer.body.length;
    while (this.#answers.size > this.maxEntries || this.#chars > this.maxChars) {
      this.delete(this.#answers.keys().next().value as string);
    }
  }

  delete(key: string): void {
    const answer = this.#answers.get(key);
    if (!answer) return;
    this.#chars -= answer.body.length;
    this.#answers.delete(key);
  }
}

/** A response from a stored answer, with its URL (Octokit's pagination reads `response.url`). */
function rebuilt(url: string, stored: Stored): Response {
  const response = new Response(stored.body, {
    status: stored.status,
    statusText: stored.statusText,
    headers: stored.headers,
  });
  Object.defineProperty(response, 'url', { value: url });
  return response;
}

/**
 * A full page with no next page: a new item would open a page this answer's `Link` does not name,
 * and a 304 to it (the page itself unchanged) would hide that page from pagination. Never stored.
 */
function fullLastPage(url: string, entry: Stored): boolean {
  const link = entry.headers.find(([name]) => name.toLowerCase() === 'link')?.[1] ?? '';
  if (/rel="next"/.test(link) || !entry.body.startsWith('[')) return false;
  const perPage = Number(new URL(url).searchParams.get('per_page') ?? 30);
  try {
    return (JSON.parse(entry.body) as unknown[]).length >= perPage;
  } catch {
    return false;
  }
}
