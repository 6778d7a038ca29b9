/** A tiny cookie-keeping HTTP client for end-to-end tests, like a browser session. */
export class HttpSession {
  private cookie: string | undefined;

  constructor(private readonly base: string) {}

  // T is the JSON shape the test expects back; the test's assertions check it.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers['cookie'] = this.cookie;
    const response = await fetch(new URL(path, this.base), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await response.text();
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }
}
