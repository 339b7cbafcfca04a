// The admin API from the command line: URL and credential from flags or the environment (VAULTLINE_URL,
// VAULTLINE_TOKEN). Errors keep the API's code and message; the exit code says what kind of failure it was.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Exit codes scripts can rely on (docs/CLI.md). */
export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3, unreachable: 4, server: 5 } as const;

export class Client {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.open(method, path, { "content-type": "application/json" }, body);
    const text = await res.text();
    return ((res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text) as T;
  }

  /** The response of a call that succeeded, its body unread (a stream); an error answer becomes an ApiError. */
  async open(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.url.replace(/\/$/, "")}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, "unreachable", `cannot reach ${this.url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (res.ok) return res;
    const text = await res.text();
    let err: { code: string; message: string } | undefined;
    try {
      err = (res.headers.get("content-type") ?? "").includes("json") ? (JSON.parse(text) as { error?: typeof err }).error : undefined;
    } catch {
      err = undefined;
    }
    throw new ApiError(res.status, err?.code ?? "http_error", err?.message ?? `${res.status} ${text.slice(0, 200)}`);
  }
}
