/** Polls `read` until `done` holds; fails with the last value seen. Used by tests in workerd and in Node alike. */
export async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 90_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await read();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, everyMs));
  } while (Date.now() < end);
  throw new Error(`timed out after ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
}
