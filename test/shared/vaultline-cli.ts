// Runs `npx vaultline ...` as an operator would, and answers with its exit code and output, whatever the code.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function vaultline(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return run("npx", ["vaultline", ...args], { env: { ...process.env, VAULTLINE_POLL_MS: "300", ...env }, maxBuffer: 1 << 26, cwd }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );
}
