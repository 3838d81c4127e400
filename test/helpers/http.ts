/** Minimal JSON-over-HTTP helper for API tests: real fetch against a real server. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export function apiClient(baseUrl: string, key?: string) {
  return async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(key && { authorization: `Bearer ${key}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  };
}

export type Api = ReturnType<typeof apiClient>;

/** Creates a key through the API with the admin key and returns a client for it. */
export async function keyClient(
  baseUrl: string,
  adminKey: string,
  name: string,
  scopes: string[],
  extra: Record<string, unknown> = {},
): Promise<{ api: Api; key: string; id: string }> {
  const created = await apiClient(baseUrl, adminKey)('POST', '/api/api-keys', { name, scopes, ...extra });
  if (created.status !== 201) throw new Error(`key creation failed: ${JSON.stringify(created.body)}`);
  return { api: apiClient(baseUrl, created.body.key), key: created.body.key, id: created.body.id };
}
