// Starts and stops a local `wrangler dev` (workerd + miniflare) for npm start, the restart test and the bench.
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_PROVIDER_CONFIG, LOCAL_STATE } from "./local-setup.ts";

export interface DevServer {
  url: string;
  child: ChildProcess;
  /** Stops gracefully. */
  stop(): Promise<void>;
  /** Kills the whole process group at once, as a crash or a power cut would. */
  kill9(): Promise<void>;
  output(): string;
}

/**
 * Vaultline and the provider's Worker in one `wrangler dev` session (Vaultline first: it gets the port; the provider
 * is reached through bindings), with one state folder, so both see the same local D1 database and Durable Objects.
 */
export async function startDev(opts: {
  port: number;
  persistTo?: string;
  configPath?: string;
  providerConfig?: string;
  vars?: Record<string, string>;
  inherit?: boolean;
}): Promise<DevServer> {
  const args = ["wrangler", "dev", "--port", String(opts.port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false"];
  args.push("-c", opts.configPath ?? "wrangler.jsonc", "-c", opts.providerConfig ?? DEMO_PROVIDER_CONFIG);
  args.push("--persist-to", opts.persistTo ?? LOCAL_STATE);
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push("--var", `${k}:${v}`);
  const child = spawn("npx", args, {
    detached: true, // its own process group, so kill9 takes workerd down with it
    stdio: opts.inherit ? "inherit" : ["ignore", "pipe", "pipe"],
    // WRANGLER_LOG at its default: seed.ts quiets wrangler for its own process, which must not silence the Worker's
    // logs here (npm start shows them; npm test scans them for secrets).
    env: { ...process.env, WRANGLER_LOG: "log", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
  let log = "";
  // Under npm test, every line wrangler prints is also kept for the secret scan (scripts/test.ts).
  const keep = process.env.VAULTLINE_LOG_DIR ? join(process.env.VAULTLINE_LOG_DIR, `wrangler-dev-${opts.port}.log`) : null;
  const take = (d: Buffer) => {
    log += d;
    if (keep) appendFileSync(keep, d);
  };
  child.stdout?.on("data", take);
  child.stderr?.on("data", take);
  const url = `http://127.0.0.1:${opts.port}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = async (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  };
  const server: DevServer = { url, child, stop: () => signal("SIGTERM"), kill9: () => signal("SIGKILL"), output: () => log };
  await waitHealthy(url, 120_000, () => log);
  return server;
}

export async function waitHealthy(url: string, timeoutMs: number, log: () => string = () => ""): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`wrangler dev did not become healthy at ${url}/healthz within ${timeoutMs} ms\n${log().slice(-3000)}`);
}

/** Peak resident memory (VmHWM) of workerd processes under a process group, in bytes. */
export async function peakWorkerdMemory(pgid: number): Promise<number> {
  const { readdirSync, readFileSync } = await import("node:fs");
  let peak = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue; // process group
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      if (!/^Name:\s*workerd/m.test(status)) continue;
      const hwm = /^VmHWM:\s*(\d+) kB/m.exec(status);
      if (hwm) peak = Math.max(peak, Number(hwm[1]) * 1024);
    } catch {
      /* process ended */
    }
  }
  return peak;
}
