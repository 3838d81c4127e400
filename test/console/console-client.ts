/**
 * A cookie-keeping HTTP client for the console (no browser): signs in through the login form as a
 * browser would, and reads the CSRF token out of the pages it gets.
 */
export class ConsoleClient {
  cookie = '';

  constructor(readonly baseUrl: string) {}

  async get(path: string): Promise<Response> {
    return this.#keep(
      await fetch(`${this.baseUrl}${path}`, { headers: this.#headers(), redirect: 'manual' }),
    );
  }

  async post(path: string, form: Record<string, string>): Promise<Response> {
    return this.#keep(
      await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { ...this.#headers(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        redirect: 'manual',
      }),
    );
  }

  /** The `_csrf` value of the first form of a page. */
  static csrfOf(page: string): string {
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    if (!token) throw new Error('no CSRF token on the page');
    return token;
  }

  async signIn(apiKey: string): Promise<Response> {
    const page = await (await this.get('/login')).text();
    return this.post('/login', { _csrf: ConsoleClient.csrfOf(page), apiKey, next: '/' });
  }

  /** The CSRF token of this session, read from a page. */
  async csrf(path = '/'): Promise<string> {
    return ConsoleClient.csrfOf(await (await this.get(path)).text());
  }

  #headers(): Record<string, string> {
    return this.cookie ? { cookie: this.cookie } : {};
  }

  #keep(res: Response): Response {
    for (const header of res.headers.getSetCookie()) {
      const [pair] = header.split(';');
      if (!pair) continue;
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      this.cookie = value ? `${name}=${value}` : '';
    }
    return res;
  }
}
