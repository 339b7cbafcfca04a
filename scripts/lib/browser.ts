// The browser the dashboard test drives (playwright-core with a system Chromium: no browser download at npm ci).
// npm test finds one, or on Debian installs the distribution's `chromium` (as .ci/run does), and says what it did;
// elsewhere it names the one variable to set.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

function found(): string | null {
  const set = process.env.CHROMIUM_PATH;
  if (set) {
    if (!existsSync(set)) throw new Error(`CHROMIUM_PATH is ${set}, which does not exist`);
    return set;
  }
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** The path of a Chromium executable, installing Debian's package when there is none and that is possible. */
export function ensureBrowser(log: (line: string) => void = console.log): string {
  const have = found();
  if (have) return have;
  const debian = existsSync("/etc/debian_version") && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (!debian)
    throw new Error(
      "the dashboard test needs Chromium and none was found: install it, or set CHROMIUM_PATH to its executable (any Chromium or Chrome)",
    );
  const root = process.getuid?.() === 0;
  const sudo = root ? [] : ["sudo", "-n"];
  log(`npm test: no Chromium found; installing Debian's chromium package (${root ? "as root" : "with sudo -n"}) ...`);
  try {
    execFileSync(sudo[0] ?? "apt-get", [...sudo.slice(1), ...(root ? [] : ["apt-get"]), "update", "-q"], { stdio: "inherit" });
    execFileSync(sudo[0] ?? "apt-get", [...sudo.slice(1), ...(root ? [] : ["apt-get"]), "install", "-y", "-q", "chromium"], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch {
    throw new Error(
      "no Chromium found and `apt-get install chromium` failed (it needs root or password-less sudo): install it, or set CHROMIUM_PATH",
    );
  }
  const now = found();
  if (!now) throw new Error("apt-get installed chromium but no executable was found: set CHROMIUM_PATH");
  log(`npm test: installed ${now}`);
  return now;
}
