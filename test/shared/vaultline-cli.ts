// Runs `npx vaultline ...` as an operator would, and answers with its exit code and output, whatever the code.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function vaultline(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
  /** Another vaultline to run (an installed package's bin); `npx vaultline` by default. */
  bin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, pre] = bin ? [bin, []] : ["npx", ["vaultline"]];
  return run(file, [...pre, ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 26, cwd }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );
}
