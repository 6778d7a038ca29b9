/**
 * The user's side of the HTTP API for the voicemail test: a cookie session (signed in like the
 * web client) that can also send and fetch raw bytes (a greeting upload, a recording download),
 * which the JSON-only session of test/support/http.ts cannot.
 */

export interface ApiReply<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export class ApiSession {
  private cookie: string | undefined;

  constructor(private readonly base: string) {}

  /** Signs in; throws with the server's answer when refused. */
  async login(email: string, password: string): Promise<void> {
    const reply = await this.json('POST', '/api/auth/login', { email, password });
    if (reply.status !== 200) {
      throw new Error(
        `sign-in as ${email} refused: ${String(reply.status)} ${JSON.stringify(reply.body)}`,
      );
    }
  }

  /** A JSON request; the reply body parsed (undefined when empty). */
  // T is the shape the test expects back; its assertions check it.
  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiReply<T>> {
    const reply = await this.send(
      method,
      path,
      body === undefined ? undefined : { type: 'application/json', data: JSON.stringify(body) },
    );
    const text = reply.body.toString('utf8');
    return { ...reply, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  /** A request with a raw body (e.g. `audio/wav`), the reply parsed as JSON. */
  async upload<T = unknown>(
    method: string,
    path: string,
    type: string,
    data: Uint8Array,
  ): Promise<ApiReply<T>> {
    const reply = await this.send(method, path, { type, data });
    const text = reply.body.toString('utf8');
    return { ...reply, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  /** A GET whose reply is kept as bytes (a recording). */
  bytes(path: string, headers: Record<string, string> = {}): Promise<ApiReply<Buffer>> {
    return this.send('GET', path, undefined, headers);
  }

  private async send(
    method: string,
    path: string,
    body: { type: string; data: string | Uint8Array } | undefined,
    extra: Record<string, string> = {},
  ): Promise<ApiReply<Buffer>> {
    const headers: Record<string, string> = { ...extra };
    if (body !== undefined) headers['content-type'] = body.type;
    if (this.cookie !== undefined) headers['cookie'] = this.cookie;
    const response = await fetch(new URL(path, this.base), {
      method,
      headers,
      body: body?.data,
      signal: AbortSignal.timeout(15_000),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie !== null) this.cookie = setCookie.split(';')[0];
    return {
      status: response.status,
      headers: response.headers,
      body: Buffer.from(await response.arrayBuffer()),
    };
  }
}
